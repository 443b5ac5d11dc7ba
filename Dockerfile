# One paxos-cli node per container: `docker compose up` (compose.yaml) runs five of them.
# See docs/deploy.md for the whole procedure and for what was tested.
#
# The base is the official Node 20 image on Debian 12. Where no registry is reachable it can be
# any bookworm image with Node 20 at /usr/local/bin/node and groupadd/useradd:
#   docker build --build-arg BASE=local/node:20-bookworm-slim -t paxos-cli .
ARG BASE=node:20-bookworm-slim

FROM ${BASE} AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
# npm ci installs the native addons (zeromq, classic-level) from the prebuilt binaries their
# packages ship, and runs the package's `prepare` script, which is `npm run build` (tsc -> dist/);
# the test -f fails the build if that ever stops being so. Then the dev dependencies go.
RUN npm ci --no-audit --no-fund \
 && test -f dist/cli/main.js \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${BASE}
# A dedicated user with a fixed id, so host files can be given to it on purpose: the node reads
# its key as this user, and refuses a key others can read. --build-arg PAXOS_UID=$(id -u) makes it
# your own id instead (--non-unique: 1000 is also the official image's `node`); never root.
ARG PAXOS_UID=10001
ARG PAXOS_GID=10001
RUN test "${PAXOS_UID}" -ne 0 && test "${PAXOS_GID}" -ne 0 \
 && groupadd --system --non-unique --gid "${PAXOS_GID}" paxos \
 && useradd --system --non-unique --uid "${PAXOS_UID}" --gid paxos --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin paxos \
 && mkdir -p /data /etc/paxos \
 && chown paxos:paxos /data \
 && chmod 0700 /data
ENV NODE_ENV=production
WORKDIR /app
# package.json is needed at run time: it makes dist/ ES modules and gives --version.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
COPY --from=build /app/node_modules ./node_modules
USER paxos:paxos
# The node's LevelDB, event log and message trace: a new named volume copies this directory's
# owner (paxos) and mode (0700).
VOLUME /data
# The port every node listens on when `init` was given hosts without ports.
EXPOSE 7001
# Exactly one ENTRYPOINT, in JSON form with /app paths: test/deploy reads this line, puts the
# repository in place of /app, and runs it as the node command.
ENTRYPOINT ["node", "/app/bin/paxos-cli.js", "node"]
# The node's options come from compose's `command` (or `docker run IMAGE --id N ...`); alone,
# the image prints them.
CMD ["--help"]
