from http import HTTPStatus

import pytest
from django.core import mail

from registry.models import Message
from registry.services.delivery import ConsoleSmsBackend, deliver


@pytest.fixture
def outbox():
    ConsoleSmsBackend.outbox.clear()
    yield ConsoleSmsBackend.outbox
    ConsoleSmsBackend.outbox.clear()


def test_deliver_writes_one_row_and_sends_mail_and_sms_once_per_key(world, outbox):
    # given
    world.alice.email = "alice@example.com"
    world.alice.save(update_fields=["email"])
    # when
    first = deliver(user=world.alice, title="标题", body="正文", key="test:1", link="/complaints/1/")
    second = deliver(user=world.alice, title="标题", body="正文", key="test:1", link="/complaints/1/")
    # then
    assert (first, second) == (True, False)
    assert list(Message.objects.values_list("user__username", "title", "body", "link", "read_at")) == [
        ("alice", "标题", "正文", "/complaints/1/", None)
    ]
    assert [(m.subject, m.to) for m in mail.outbox] == [("标题", ["alice@example.com"])]
    assert outbox == [("13800138000", "标题 正文")]


def test_sms_failure_keeps_the_in_app_row_and_logs_no_phone(world, caplog, monkeypatch):
    # given
    def broken(self, *, phone, text):
        raise RuntimeError("gateway down")

    monkeypatch.setattr(ConsoleSmsBackend, "send", broken)
    # when
    delivered = deliver(user=world.alice, title="标题", body="正文", key="test:2")
    # then
    assert delivered is True
    assert Message.objects.filter(user=world.alice, key="test:2").count() == 1
    assert "delivery: SMS to user" in caplog.text
    assert "13800138000" not in caplog.text


def test_old_settings_path_still_names_the_backend():
    # given / when
    from voting.services.notifications import ConsoleSmsBackend as old_path

    # then
    assert old_path is ConsoleSmsBackend


def test_inbox_shows_only_ones_own_messages_and_marks_them_read(world, outbox):
    # given
    from tests.conftest import browser_as

    deliver(user=world.alice, title="给王丽的消息", body="正文一", key="test:a", link="/complaints/7/")
    deliver(user=world.bob, title="给张伟的消息", body="正文二", key="test:b")
    client = browser_as(world.alice)
    # when
    home = client.get("/")
    page = client.get("/messages/")
    # then
    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    assert "给王丽的消息" in html
    assert 'href="/complaints/7/"' in html
    assert "给张伟的消息" not in html
    assert "（1 未读）" in home.content.decode()
    assert Message.objects.get(key="test:a").read_at is not None
    assert Message.objects.get(key="test:b").read_at is None
