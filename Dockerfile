# Multi-stage image, in step with the Makefile: node builds the canvas, Python runs the app.
# Checked by hadolint and tests/test_image.py; built with `make image` (podman or docker).
FROM node:20-bookworm-slim AS assets
WORKDIR /src/assets
COPY assets/package.json assets/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY assets/ ./
COPY designer/ ../designer/
RUN npm run build

FROM python:3.11-slim-bookworm AS app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# A numeric user, so Kubernetes can check runAsNonRoot against the image (deploy/).
RUN useradd --create-home --uid 10001 --user-group statewright
WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared/ shared/
COPY runtime/ runtime/
COPY designer/ designer/
COPY assets/samples/ assets/samples/
COPY --from=assets /src/designer/components/dist/ designer/components/dist/
RUN pip install --no-compile . && mkdir -p /data && chown 10001:10001 /data
USER 10001:10001
WORKDIR /data
EXPOSE 8080
ENV STATEWRIGHT_DB=sqlite:////data/statewright.db \
    STATEWRIGHT_SAMPLES_DIR=/app/assets/samples
# The liveness endpoint; python is in the image already, curl is not.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
CMD ["statewright", "serve", "--host", "0.0.0.0", "--port", "8080"]
