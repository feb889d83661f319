# The bot in a small image: Debian's ffmpeg for audio, the project installed with pip.
FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATA_DIR=/data \
    LOG_FORMAT=json

RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /app --uid 10001 voicenotes \
    && mkdir -p /data && chown voicenotes /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
RUN pip install .

USER voicenotes
VOLUME ["/data"]
# DISCORD_TOKEN and GEMINI_API_KEY come from the environment (never baked into the image).
CMD ["python", "-m", "bot", "run"]
