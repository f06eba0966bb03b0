# syntax=docker/dockerfile:1
# ajet-chat images: one build, one small runtime image per binary.
#
#   docker build --target api -t ajet-chat/api .       (also auth-gw, web-sm, tui-sm, cli)
#   docker compose up -d --build                       (docker-compose.yml builds them all)

# ---------------------------------------------------------------------------- build
FROM rust:1-bookworm AS builder
WORKDIR /src
COPY . .
# Database queries are built at run time (sea-query); should compile-time checked sqlx
# macros appear, their offline data (.sqlx/) is what the build reads.
ENV SQLX_OFFLINE=true CARGO_TARGET_DIR=/src/target
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --bins \
    && mkdir -p /out \
    && for bin in ajet-api ajet-auth-gw ajet-web-sm ajet-tui-sm ajet-chat; do \
         cp "target/release/$bin" /out/; \
       done

# ---------------------------------------------------------------------------- runtime
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/ajet --create-home ajet
USER ajet
WORKDIR /var/lib/ajet
ENV AJET_LOG_FORMAT=json

FROM runtime AS api
COPY --from=builder /out/ajet-api /usr/local/bin/
ENV AJET_API_ADDR=0.0.0.0:8081
EXPOSE 8081
HEALTHCHECK --interval=10s --timeout=5s CMD curl -fsS http://127.0.0.1:8081/health || exit 1
CMD ["ajet-api"]

FROM runtime AS auth-gw
COPY --from=builder /out/ajet-auth-gw /usr/local/bin/
ENV AJET_GW_ADDR=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s CMD curl -fsS http://127.0.0.1:8080/health || exit 1
CMD ["ajet-auth-gw"]

FROM runtime AS web-sm
COPY --from=builder /out/ajet-web-sm /usr/local/bin/
ENV AJET_WEB_SM_ADDR=0.0.0.0:8082
EXPOSE 8082
HEALTHCHECK --interval=10s --timeout=5s CMD curl -fsS http://127.0.0.1:8082/health || exit 1
CMD ["ajet-web-sm"]

FROM runtime AS tui-sm
COPY --from=builder /out/ajet-tui-sm /usr/local/bin/
ENV AJET_TUI_SM_ADDR=0.0.0.0:8083
EXPOSE 8083
HEALTHCHECK --interval=10s --timeout=5s CMD curl -fsS http://127.0.0.1:8083/health || exit 1
CMD ["ajet-tui-sm"]

# The command-line client: docker run --rm -it ajet-chat/cli --server https://chat.example.org ...
FROM runtime AS cli
COPY --from=builder /out/ajet-chat /usr/local/bin/
ENTRYPOINT ["ajet-chat"]
