# Sourced by the benches that measure in a network namespace of their own (bench/time-to-media.sh,
# bench/sfu/sfu-vs-janus.sh, turn-service/bench/relay-cost.sh): there the processes have only a loopback interface,
# so nothing is sent to the machine's other addresses and no candidate pair starts from them.

# in_loopback_netns PREFIX SCRIPT [ARGS...]
# Unless ICEMESH_IN_NETNS=1 says this already runs in such a namespace (then it returns at once), makes one named
# PREFIX-<pid> with only lo up, runs SCRIPT ARGS in it with ICEMESH_IN_NETNS=1 and ICEMESH_NETNS=<its name>, removes
# it, and exits with SCRIPT's status. Needs root.
in_loopback_netns() {
    local prefix=$1 script=$2
    shift 2
    if [[ ${ICEMESH_IN_NETNS:-} == 1 ]]; then
        return 0
    fi
    if [[ $(id -u) != 0 ]]; then
        echo "$(basename "$script"): needs root (ip netns)" >&2
        exit 1
    fi
    local ns=$prefix-$$
    ip netns add "$ns" || exit 1
    # shellcheck disable=SC2064  # the name is fixed now
    trap "ip netns del '$ns' 2>/dev/null || true" EXIT
    ip -n "$ns" link set lo up
    local status=0
    ICEMESH_IN_NETNS=1 ICEMESH_NETNS=$ns ip netns exec "$ns" "$script" "$@" || status=$?
    exit "$status"
}
