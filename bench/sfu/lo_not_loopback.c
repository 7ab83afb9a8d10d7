/*
 * LD_PRELOAD shim for the benchmark only: Janus 1.1.2 skips every interface flagged IFF_LOOPBACK when it gathers
 * host candidates (janus_ice_setup_local in src/ice.c), so on its own it cannot be reached on 127.0.0.1. This
 * getifaddrs() clears that flag on the loopback interface, so that Janus (with ice_enforce_list = "lo") gathers
 * 127.0.0.1 and the benchmark keeps all its traffic on loopback.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <string.h>

int getifaddrs(struct ifaddrs **ifap) {
    int (*real)(struct ifaddrs **) = (int (*)(struct ifaddrs **)) dlsym(RTLD_NEXT, "getifaddrs");
    int rc = real(ifap);
    if (rc == 0) {
        for (struct ifaddrs *i = *ifap; i != NULL; i = i->ifa_next) {
            if (i->ifa_name != NULL && strcmp(i->ifa_name, "lo") == 0) {
                i->ifa_flags &= ~IFF_LOOPBACK;
            }
        }
    }
    return rc;
}
