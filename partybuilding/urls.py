"""Owner and staff pages of party building, mounted at /party/ (app_name "partybuilding")."""

from django.urls import path

from partybuilding import figure_views, staff_views, views

app_name = "partybuilding"
urlpatterns = [
    path("", views.home, name="home"),
    path("volunteers/<int:volunteer_id>/ask/", views.ask, name="ask"),
    path("requests/<int:request_id>/", views.thread, name="thread"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/new/", views.task_new, name="task_new"),
    path("tasks/<int:task_id>/", views.task, name="task"),
    path("meetings/", staff_views.meetings, name="meetings"),
    path("meetings/new/", staff_views.meeting_new, name="meeting_new"),
    path("meetings/<int:meeting_id>/", staff_views.meeting, name="meeting"),
    path("coverage/", figure_views.coverage_page, name="coverage"),
    path("coverage/export.xlsx", figure_views.coverage_xlsx, name="coverage_xlsx"),
    path("figures/", figure_views.task_figures_page, name="figures"),
    path("follow-ups/<int:follow_up_id>/done/", staff_views.follow_up_mark_done, name="follow_up_done"),
]
