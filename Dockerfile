# Production image: gunicorn web, Celery worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir . && useradd --system --create-home gongzhi
COPY . .
RUN DJANGO_SECRET_KEY=build REGISTRY_ID_HMAC_KEY=build DATABASE_URL=postgres://build/build \
    REDIS_URL=redis://build:6379/0 DJANGO_ALLOWED_HOSTS=build python manage.py collectstatic --noinput
USER gongzhi
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
