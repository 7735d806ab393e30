"""Owner pages of party building, mounted at /party/ (app_name "partybuilding")."""

from django.urls import path

from partybuilding import views

app_name = "partybuilding"
urlpatterns = [
    path("", views.home, name="home"),
    path("volunteers/<int:volunteer_id>/ask/", views.ask, name="ask"),
    path("requests/<int:request_id>/", views.thread, name="thread"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/new/", views.task_new, name="task_new"),
    path("tasks/<int:task_id>/", views.task, name="task"),
]
