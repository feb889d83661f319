# The bot in a small image: Debian's ffmpeg for audio (and libopus, which checks voice notes
# without starting ffmpeg), the project installed with pip.
# tests/test_packaging.py lints this file (hadolint) and runs its install command, its CMD
# and its HEALTHCHECK outside Docker, exactly as written here.
FROM python:3.11-slim AS runtime

# HTTP_PORT: the operators' endpoints (/livez, /readyz, /metrics), on every interface of
# the container so the runtime and Prometheus can reach them; publish the port to a
# monitoring network or to the host's loopback only, never to the public.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATA_DIR=/data \
    LOG_FORMAT=json \
    HTTP_PORT=8080 \
    HTTP_HOST=0.0.0.0

RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg libopus0 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /app --uid 10001 voicenotes \
    && mkdir -p /data && chown 10001 /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
RUN pip install .

# A numeric user, so a runtime can check it is not root (Kubernetes' runAsNonRoot).
USER 10001
VOLUME ["/data"]
EXPOSE 8080
# Python, as the slim image has no curl: exit 0 when /livez answers on loopback.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot.healthcheck"]
# DISCORD_TOKEN, GEMINI_API_KEY and DATABASE_URL come from the environment at run time
# (never baked into a layer: no ARG or ENV carries them, .dockerignore keeps .env out).
CMD ["python", "-m", "bot", "run"]
