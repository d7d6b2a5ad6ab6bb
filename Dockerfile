# The bot in HTTP mode, built from this checkout (README: "Run it in a container"):
#   docker build -t review-bot .
# The wheel is built by scripts/wheel, as CI builds and tests it, then installed on a
# slim Python and run as a user of its own. Data (the SQLite default) goes to /data.

FROM python:3.11-slim AS wheel
WORKDIR /src
COPY . .
RUN scripts/wheel /wheels

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin review \
    && install -d -o review -g review /data
COPY --from=wheel /wheels /wheels
RUN pip install --no-cache-dir --disable-pip-version-check /wheels/*.whl \
    && rm -rf /wheels
USER 10001
WORKDIR /data
ENV PORT=3000 PYTHONUNBUFFERED=1
EXPOSE 3000
# GET /healthz answers 200 once the database answers; no curl in slim, so Python asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3000') + '/healthz', timeout=4)"]
CMD ["review-bot", "run"]
