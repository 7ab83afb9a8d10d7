#!/usr/bin/env bash
# icemesh in containers on one machine with Debian's podman and docker-compose, no registry needed:
#
#   deploy/containers.sh up       make the local base image (cached), build the images of Kafka and the four
#                                 services (and Prometheus), start podman's Docker-compatible socket and run
#                                 docker-compose.yml with deploy/containers/compose.local.yml; returns once every
#                                 service is ready
#   deploy/containers.sh down     docker-compose down with its volumes, stop the socket: no container, volume or
#                                 published port is left
#   deploy/containers.sh build    only the images (base, Kafka, services, Prometheus)
#   deploy/containers.sh base     only the local base image
#   deploy/containers.sh compose ARGS...   docker-compose with this script's files and socket (ps, logs, ...)
#
# The base is Debian bookworm made by debootstrap plus openjdk-17-jre-headless and curl, with the user 185 that the
# public UBI base also runs as. Its tarball is cached in $ICEMESH_CONTAINERS_CACHE (~/.cache/icemesh): the second
# run imports it instead of downloading Debian again. The Dockerfiles keep their public base as the default and get
# this one through the build argument BASE_IMAGE. Needs root (rootful podman; debootstrap), podman, runc,
# debootstrap and docker-compose; the application jars come from `./mvnw -B package -DskipTests` (run first).
#
# Environment (all optional): ICEMESH_TURN_SECRET, ICEMESH_SIGNALING_AUTH_JWT_SECRET (generated for this run when
# unset, never written to the repository), the host ports of docker-compose.yml (ICEMESH_*_HOST_PORT, see there),
# ICEMESH_PUBLISH_ADDRESS (127.0.0.1 by default here), ICEMESH_CONTAINERS_CACHE, ICEMESH_DEBIAN_MIRROR,
# ICEMESH_COMPOSE_PROJECT (docker-compose project name, default icemesh), ICEMESH_READY_TIMEOUT (seconds, 240).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/deploy/containers
CACHE=${ICEMESH_CONTAINERS_CACHE:-$HOME/.cache/icemesh}
MIRROR=${ICEMESH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
PROJECT=${ICEMESH_COMPOSE_PROJECT:-icemesh}
READY_TIMEOUT=${ICEMESH_READY_TIMEOUT:-240}
SOCKET=$CACHE/podman-$PROJECT.sock
SERVICE_PID=$CACHE/podman-$PROJECT.pid

BASE_IMAGE=localhost/icemesh/base-jre17:bookworm
PROMETHEUS_IMAGE=localhost/icemesh/prometheus:bookworm
KAFKA_IMAGE=localhost/icemesh/kafka:0.1.0
SERVICES=(signaling turn monitor media)
# The packages of the base, and the version of the recipe: change it when the recipe changes, so that a cached
# tarball of an older recipe is not reused.
BASE_PACKAGES=openjdk-17-jre-headless,curl,ca-certificates
BASE_RECIPE=1
BASE_TARBALL=$CACHE/base-bookworm-jre17-r$BASE_RECIPE.tar

export CONTAINERS_CONF=$HERE/containers.conf
export ICEMESH_KAFKA_IMAGE=$KAFKA_IMAGE ICEMESH_PROMETHEUS_IMAGE=$PROMETHEUS_IMAGE
# Published on loopback unless told otherwise: the web client mints its own room tokens in this setup.
export ICEMESH_PUBLISH_ADDRESS=${ICEMESH_PUBLISH_ADDRESS:-127.0.0.1}
# Required by docker-compose.yml; compose.local.yml gives turn-service and media-service their own bridge addresses.
export ICEMESH_PUBLIC_ADDRESS=${ICEMESH_PUBLIC_ADDRESS:-${ICEMESH_CONTAINERS_NET:-10.89.77}.10}

say() { echo "containers: $*"; }
die() { echo "containers: $*" >&2; exit 1; }

need() {
    local missing=() tool
    for tool in "$@"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
    ((${#missing[@]} == 0)) || die "missing ${missing[*]}: install Debian's podman runc debootstrap docker-compose \
(bash .ci/run does)"
    [[ $(id -u) -eq 0 ]] || die "run as root: rootful podman (its bridge network, published ports) and debootstrap"
}

# The base image: from the podman store if there, else from the cached tarball, else made by debootstrap.
base() {
    need podman runc debootstrap
    if podman image exists "$BASE_IMAGE"; then
        say "base $BASE_IMAGE present"
        return
    fi
    mkdir -p "$CACHE"
    if [[ ! -s $BASE_TARBALL ]]; then
        local root
        root=$(mktemp -d /var/tmp/icemesh-base.XXXXXX)
        say "debootstrap bookworm ($BASE_PACKAGES) from $MIRROR into $root"
        debootstrap --variant=minbase --include="$BASE_PACKAGES" bookworm "$root" "$MIRROR" \
            > "$CACHE/debootstrap.log" 2>&1 || { rm -rf "$root"; die "debootstrap failed, see $CACHE/debootstrap.log"; }
        # The user the public UBI OpenJDK images run as (uid 185, group root), and the folder the images fill.
        chroot "$root" useradd --uid 185 --gid 0 --home-dir /home/default --create-home --shell /usr/sbin/nologin default
        mkdir -p "$root/deployments" && chown 185:0 "$root/deployments"
        # What an image does not need at run time: package lists and archives, documentation, man pages, locales.
        rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
            "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*.log \
            "$root"/usr/share/locale/*
        printf 'deb %s bookworm main\ndeb http://deb.debian.org/debian-security bookworm-security main\n' "$MIRROR" \
            > "$root/etc/apt/sources.list"
        tar --numeric-owner -C "$root" -cf "$BASE_TARBALL.tmp" . && mv "$BASE_TARBALL.tmp" "$BASE_TARBALL"
        rm -rf "$root"
    else
        say "base from cached $BASE_TARBALL"
    fi
    podman import --change 'ENV LANG=C.UTF-8' --change 'CMD ["/bin/bash"]' "$BASE_TARBALL" "$BASE_IMAGE" >/dev/null
    say "base $BASE_IMAGE imported"
}

# The application files the images copy; packaged with the Maven wrapper when missing.
package() {
    local missing=() s
    for s in "${SERVICES[@]}"; do
        [[ -f $ROOT/$s-service/target/quarkus-app/quarkus-run.jar ]] || missing+=("$s-service")
    done
    compgen -G "$ROOT/kafka-broker/target/lib/kafka-tools-[0-9]*.jar" >/dev/null || missing+=(kafka-broker)
    if ((${#missing[@]})); then
        say "packaging ${missing[*]}"
        (cd "$ROOT" && ./mvnw -B -q package -DskipTests -pl "$(IFS=,; echo "${missing[*]}")" -am)
    fi
}

# podman build in Docker's image format (OCI images drop HEALTHCHECK); unchanged layers come from the cache.
image() {
    local tag=$1 file=$2 context=$3 started=$SECONDS
    podman build --format docker --layers --build-arg BASE_IMAGE="$BASE_IMAGE" -f "$file" -t "$tag" "$context" \
        > "$CACHE/build-$(basename "${tag%%:*}").log" 2>&1 \
        || { tail -20 "$CACHE/build-$(basename "${tag%%:*}").log" >&2; die "building $tag failed"; }
    say "built $tag in $((SECONDS - started)) s"
}

build() {
    base
    package
    local s
    image "$KAFKA_IMAGE" "$ROOT/kafka-broker/src/main/docker/Dockerfile.jvm" "$ROOT/kafka-broker"
    for s in "${SERVICES[@]}"; do
        image "localhost/icemesh/$s-service:0.1.0" "$ROOT/$s-service/src/main/docker/Dockerfile.jvm" "$ROOT/$s-service"
    done
    image "$PROMETHEUS_IMAGE" "$HERE/Containerfile.prometheus" "$HERE"
}

# Secrets for this project: from the environment, else generated once per `up` into a file only root can read
# (outside the repository; deleted by `down`), so that later commands of the same project see the same values.
secrets() {
    local file=$CACHE/$PROJECT.secrets
    if [[ ! -f $file ]]; then
        mkdir -p "$CACHE"
        (umask 077
         printf 'ICEMESH_TURN_SECRET=%s\nICEMESH_SIGNALING_AUTH_JWT_SECRET=%s\nGRAFANA_ADMIN_PASSWORD=%s\n' \
             "${ICEMESH_TURN_SECRET:-$(random)}" "${ICEMESH_SIGNALING_AUTH_JWT_SECRET:-$(random)}" \
             "${GRAFANA_ADMIN_PASSWORD:-$(random)}" > "$file")
    fi
    set -a
    # shellcheck disable=SC1090
    . "$file"
    set +a
}

random() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }

# podman's Docker-compatible API on a socket of this project's own, which docker-compose talks to.
socket() {
    if [[ -f $SERVICE_PID ]] && kill -0 "$(cat "$SERVICE_PID")" 2>/dev/null && [[ -S $SOCKET ]]; then
        return
    fi
    rm -f "$SOCKET"
    podman system service --time=0 "unix://$SOCKET" > "$CACHE/podman-$PROJECT.log" 2>&1 &
    echo $! > "$SERVICE_PID"
    local i
    for ((i = 0; i < 100; i++)); do
        [[ -S $SOCKET ]] && return
        sleep 0.1
    done
    die "podman system service did not open $SOCKET (see $CACHE/podman-$PROJECT.log)"
}

compose() {
    mkdir -p "$CACHE"
    secrets
    socket
    DOCKER_HOST=unix://$SOCKET docker-compose -p "$PROJECT" -f "$ROOT/docker-compose.yml" -f "$HERE/compose.local.yml" "$@"
}

# Containers of this project that have a health check, by name.
checked_containers() {
    podman ps --filter "label=com.docker.compose.project=$PROJECT" --format '{{.Names}}' | while read -r c; do
        [[ -n $(podman inspect --format '{{if .Config.Healthcheck}}yes{{end}}' "$c" 2>/dev/null) ]] && echo "$c"
    done
}

# Runs each health check once. Without systemd (as here) podman has no timer to run them, so `up` runs them while
# it waits: docker-compose's "service_healthy" conditions and the readiness wait below see the results.
run_health_checks() {
    local c
    for c in $(checked_containers); do
        podman healthcheck run "$c" >/dev/null 2>&1 || true
    done
}

UP_SERVICES=(kafka kafka-topics signaling-service turn-service media-service monitor-service prometheus)

up() {
    need podman runc debootstrap docker-compose
    local started=$SECONDS
    build
    say "starting ${UP_SERVICES[*]} (Grafana is not packaged in Debian: skipped here)"
    compose up -d --no-build "${UP_SERVICES[@]}" > "$CACHE/compose-up-$PROJECT.log" 2>&1 &
    local compose_pid=$!
    while kill -0 "$compose_pid" 2>/dev/null; do
        run_health_checks
        check_ready
        sleep 1
    done
    wait "$compose_pid" || { cat "$CACHE/compose-up-$PROJECT.log" >&2; die "docker-compose up failed"; }
    local deadline=$((SECONDS + READY_TIMEOUT))
    while :; do
        run_health_checks
        check_ready
        [[ -z $WAITING ]] && break
        ((SECONDS < deadline)) || { compose ps >&2; die "not ready after ${READY_TIMEOUT} s: $WAITING"; }
        sleep 1
    done
    say "ready in $((SECONDS - started)) s: web client http://${ICEMESH_PUBLISH_ADDRESS}:${ICEMESH_SIGNALING_HOST_PORT:-8080}/"
}

# WAITING: every running container of the project whose health check has not passed, with its status. The first
# time one passes, says how long after the container's start (to within one round of health checks, about 1-2 s).
declare -A READY=()
WAITING=
check_ready() {
    local c status started
    WAITING=
    for c in $(checked_containers); do
        status=$(podman inspect --format '{{.State.Health.Status}}' "$c")
        if [[ $status != healthy ]]; then
            WAITING+="$c($status) "
        elif [[ -z ${READY[$c]:-} ]]; then
            READY[$c]=1
            started=$(podman inspect --format '{{.State.StartedAt.UnixMilli}}' "$c")
            say "ready $c $(( $(date +%s%3N) - started )) ms after its start"
        fi
    done
}

down() {
    need podman docker-compose
    compose down --volumes --remove-orphans
    if [[ -f $SERVICE_PID ]]; then
        kill "$(cat "$SERVICE_PID")" 2>/dev/null || true
        rm -f "$SERVICE_PID"
    fi
    rm -f "$SOCKET" "$CACHE/$PROJECT.secrets"
    local left
    left=$(podman ps -a --filter "label=com.docker.compose.project=$PROJECT" --format '{{.Names}}')
    [[ -z $left ]] || die "containers left: $left"
    say "down: no container of $PROJECT left"
}

case ${1:-} in
    base) base ;;
    build) need podman runc debootstrap; build ;;
    up) up ;;
    down) down ;;
    compose) shift; compose "$@" ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 2 ;;
esac
