# TriageDesk API and worker image (one image, two commands). CPU-only torch, pinned.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TRIAGEDESK_DATA_DIR=/data

WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*

# torch from the CPU index first: an unpinned torch would pull a multi-GB CUDA build.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY requirements.lock ./
RUN grep -v '^torch==' requirements.lock > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

COPY pyproject.toml README.md ./
COPY triagedesk triagedesk
COPY workflows workflows
COPY activities activities
COPY ml ml
COPY api api
COPY worker worker
COPY datasets datasets
COPY config config
RUN pip install --no-deps -e . \
    && useradd --create-home --uid 10001 triagedesk \
    && mkdir -p /data && chown triagedesk /data

USER triagedesk
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --retries=5 \
    CMD curl -fsS http://127.0.0.1:8000/healthz || exit 1
CMD ["triagedesk", "api"]
