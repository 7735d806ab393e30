"""A real Celery worker on the real Redis runs registry tasks against the test database."""

import datetime as dt
import subprocess
import sys
import time

import pytest
from django.utils import timezone

from config.celery import app
from registry.models import SignupAttempt
from tests.conftest import child_process_env


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
@pytest.mark.django_db(transaction=True)
def test_worker_consumes_a_task_from_redis(settings):
    # given: an old attempt the retention task must purge, and a worker process on the test database
    old = SignupAttempt.objects.create(
        username="old", ip_address=None, matched=False, reason="identity_not_matched"
    )
    SignupAttempt.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=100))
    SignupAttempt.objects.create(
        username="new", ip_address=None, matched=False, reason="identity_not_matched"
    )
    queue = f"test-{time.monotonic_ns()}"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "-Q",
            queue,
            "--loglevel",
            "WARNING",
        ],
        env=child_process_env(CELERY_TASK_ALWAYS_EAGER="false"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # when: sent through the broker, not run eagerly
        app.send_task("registry.purge_signup_attempts", kwargs={"days": 90}, queue=queue)
        deadline = time.monotonic() + 60
        while SignupAttempt.objects.filter(username="old").exists() and time.monotonic() < deadline:
            assert worker.poll() is None, worker.stderr.read().decode() if worker.stderr else ""
            time.sleep(0.2)
        # then
        assert list(SignupAttempt.objects.values_list("username", flat=True)) == ["new"]
    finally:
        worker.terminate()
        worker.wait(timeout=20)
