# Production image: gunicorn serving Django, the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV=production DATA_DEMANDS_VAR_DIR=/var/lib/data-demands
# Chromium renders the static PNG/SVG chart images (kaleido).
RUN apt-get update && apt-get install -y --no-install-recommends chromium tesseract-ocr curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY scripts/requirements.py scripts/
RUN python scripts/requirements.py | grep -v -E '^(pytest|ruff|mypy|django-stubs|celery-types|playwright|pytest-playwright|axe-playwright|schemathesis|bandit|factory_boy|pytest-)' > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt
COPY . .
RUN DJANGO_SECRET_KEY=collectstatic DJANGO_ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput \
    && useradd --system --home /app app && mkdir -p /var/lib/data-demands && chown app /var/lib/data-demands
USER app
EXPOSE 8000
CMD ["gunicorn", "dashboard.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", "--access-logfile", "-"]
