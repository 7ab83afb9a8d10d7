#!/usr/bin/env bash
# A small test network in Linux network namespaces, made and removed by the NAT tests (see mesh-tests/README.md).
# It never touches the host namespace's interfaces, routes or firewall: every interface, address and nftables rule
# lives inside namespaces this script creates, whose names start with PREFIX.
#
#   natlab.sh up PREFIX [OWNER_PID]
#                           create the network (fails if a namespace named PREFIX-* exists); OWNER_PID (the test's
#                           JVM) is written to $OWNERS/PREFIX, for gc
#   natlab.sh down PREFIX   stop every process in the namespaces named PREFIX-* and remove them (and with them their
#                           interfaces and rules)
#   natlab.sh gc            remove the labs whose owner is no longer running (a test JVM that was killed)
#
# PREFIX-pub holds the servers on 203.0.113.10 (bridge "pub", which also has 198.51.100.10, a second public
# address for a second STUN server). Each client sits in PREFIX-NAME behind a router PREFIX-NAME-nat:
#   cone1, cone2   full cone: endpoint-independent mapping (masquerade keeps the client's source port, Linux's
#                  default while it is free; "persistent" keeps one outside address per client) and
#                  endpoint-independent filtering (UDP from anywhere to the router's ports goes to the client)
#   sym1, sym2     address-and-port-dependent mapping ("symmetric"): masquerade with random ports, so every
#                  destination sees another port
#   udpblock       endpoint-independent mapping for TCP; the router drops all UDP from the client
# The other routers filter as Linux conntrack does (a reply must match a flow the inside started). No namespace has a
# route out of 203.0.113.0/24, 198.51.100.0/24 and its own private range.
set -euo pipefail

CLIENTS=(cone1 cone2 sym1 sym2 udpblock)
OWNERS=${TMPDIR:-/tmp}/icemesh-natlab

die() { echo "natlab: $*" >&2; exit 1; }

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

up() {
    local p=$1 owner=${2:-} i=0 name router client wan lan
    [[ $(id -u) -eq 0 ]] || die "needs root: it makes network namespaces and nftables rules inside them"
    [[ -z $(ip netns list | awk '{print $1}' | grep -E "^$p-" || true) ]] || die "namespaces $p-* exist already"
    if [[ -n $owner ]]; then
        mkdir -p "$OWNERS"
        echo "$owner" > "$OWNERS/$p"
    fi
    ip netns add "$p-pub"
    nsx "$p-pub" ip link set lo up
    nsx "$p-pub" ip link add pub type bridge
    nsx "$p-pub" ip addr add 203.0.113.10/24 dev pub
    nsx "$p-pub" ip addr add 198.51.100.10/24 dev pub
    nsx "$p-pub" ip link set pub up
    for name in "${CLIENTS[@]}"; do
        i=$((i + 1))
        router=$p-$name-nat
        client=$p-$name
        ip netns add "$router"
        ip netns add "$client"
        nsx "$router" ip link set lo up
        nsx "$client" ip link set lo up
        # router <-> public segment: "wan" in the router, "w-NAME" on the bridge in pub
        ip link add wan netns "$router" type veth peer name "w-$name" netns "$p-pub"
        nsx "$p-pub" ip link set "w-$name" master pub up
        nsx "$router" ip addr add "203.0.113.$((20 + i))/24" dev wan
        nsx "$router" ip link set wan up
        nsx "$router" ip route add 198.51.100.0/24 via 203.0.113.10
        # router <-> client: "lan" in the router, "eth0" in the client
        ip link add lan netns "$router" type veth peer name eth0 netns "$client"
        nsx "$router" ip addr add "10.0.$i.1/24" dev lan
        nsx "$router" ip link set lan up
        nsx "$client" ip addr add "10.0.$i.2/24" dev eth0
        nsx "$client" ip link set eth0 up
        nsx "$client" ip route add default via "10.0.$i.1"
        nsx "$router" sysctl -qw net.ipv4.ip_forward=1
        local masquerade=masquerade forward="" inbound=""
        case $name in
            # Without the inbound rule a peer's check that arrives before the client's own first packet to that
            # peer takes the mapping's reply tuple in conntrack, and the client's packet then leaves on another port:
            # Linux masquerade alone is not endpoint-independent for hole punching.
            cone*) masquerade="masquerade persistent"
                inbound="iifname \"wan\" meta l4proto udp dnat to 10.0.$i.2"
                forward="iifname \"wan\" oifname \"lan\" ct status dnat accept" ;;
            sym*) masquerade="masquerade random" ;;
            udpblock) forward='iifname "lan" meta l4proto udp counter drop' ;;
        esac
        nsx "$router" nft -f - <<NFT
table ip natlab {
    chain prerouting {
        type nat hook prerouting priority dstnat; policy accept;
        $inbound
    }
    chain postrouting {
        type nat hook postrouting priority srcnat; policy accept;
        oifname "wan" $masquerade
    }
    chain forward {
        type filter hook forward priority filter; policy drop;
        ct state established,related accept
        $forward
        iifname "lan" oifname "wan" accept
    }
}
NFT
    done
}

# Every namespace of the lab, whatever fails on the way: processes are killed until none is left (a process may fork
# while the first list is taken), then each namespace is deleted.
down() {
    local p=$1 ns try left failed=0
    local spaces=($(ip netns list | awk '{print $1}' | grep -E "^$p-" || true))
    for try in 1 2 3 4 5; do
        left=0
        for ns in ${spaces[@]+"${spaces[@]}"}; do
            if [[ -n $(ip netns pids "$ns" 2>/dev/null) ]]; then
                left=1
                ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
            fi
        done
        ((left)) || break
        sleep 0.2
    done
    for ns in ${spaces[@]+"${spaces[@]}"}; do
        ip netns del "$ns" 2>/dev/null || { echo "natlab: could not delete $ns" >&2; failed=1; }
    done
    rm -f "$OWNERS/$p"
    return $failed
}

gc() {
    local f
    for f in "$OWNERS"/*; do
        [[ -e $f ]] || continue
        if ! kill -0 "$(cat "$f")" 2>/dev/null; then
            echo "natlab: removing $(basename "$f"), left by a test that is gone"
            down "$(basename "$f")" || true
        fi
    done
}

case ${1:-} in
    up) [[ -n ${2:-} ]] || die "usage: natlab.sh up PREFIX [OWNER_PID]"; up "$2" "${3:-}" ;;
    down) [[ -n ${2:-} ]] || die "usage: natlab.sh down PREFIX"; down "$2" ;;
    gc) gc ;;
    *) die "usage: natlab.sh up PREFIX [OWNER_PID] | down PREFIX | gc" ;;
esac
