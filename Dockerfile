# Multi-stage image, in step with the Makefile: node builds the canvas, Python runs the app.
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY assets/package.json assets/package-lock.json assets/
RUN cd assets && npm ci --no-audit --no-fund --loglevel=error
COPY assets/ assets/
COPY designer/ designer/
RUN cd assets && npm run build

FROM python:3.11-slim-bookworm AS app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN useradd --create-home --uid 10001 statewright
WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared/ shared/
COPY runtime/ runtime/
COPY designer/ designer/
COPY assets/samples/ assets/samples/
COPY --from=assets /src/designer/components/dist/ designer/components/dist/
RUN pip install --no-compile . && mkdir -p /data && chown statewright /data
USER statewright
WORKDIR /data
EXPOSE 8080
ENV STATEWRIGHT_DB=sqlite:////data/statewright.db \
    STATEWRIGHT_SAMPLES_DIR=/app/assets/samples
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)" || exit 1
CMD ["statewright", "serve", "--host", "0.0.0.0", "--port", "8080"]
