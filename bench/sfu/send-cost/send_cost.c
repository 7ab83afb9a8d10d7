/*
 * CPU per datagram of the kernel's UDP send path on loopback, one sendto(2) per datagram against one sendmmsg(2)
 * per batch: what batching the SFU's fan-out could save (issue #18). One socket sends 1200-byte datagrams to
 * SOCKETS loopback sockets of its own (an SFU's one socket to its subscribers), one batch per round; the receivers
 * are drained after each round, outside the measured time.
 *
 *   send_cost ROUNDS sendto|sendmmsg
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#define SOCKETS 200
#define LEN 1200

static double cpu_seconds(void) {
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6;
}

static int loopback_socket(struct sockaddr_in *bound) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    int big = 1 << 22;
    setsockopt(s, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *) &a, sizeof a) || getsockname(s, (struct sockaddr *) bound, &l)) {
        perror("socket");
        exit(1);
    }
    return s;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: send_cost ROUNDS sendto|sendmmsg\n");
        return 2;
    }
    int rounds = atoi(argv[1]);
    int batched = strcmp(argv[2], "sendmmsg") == 0;
    struct sockaddr_in self, to[SOCKETS];
    int s = loopback_socket(&self);
    int r[SOCKETS];
    for (int i = 0; i < SOCKETS; i++) {
        r[i] = loopback_socket(&to[i]);
    }
    static char buf[LEN], drain[2048];
    memset(buf, 7, LEN);
    static struct mmsghdr m[SOCKETS];
    static struct iovec io[SOCKETS];
    for (int i = 0; i < SOCKETS; i++) {
        io[i].iov_base = buf;
        io[i].iov_len = LEN;
        m[i].msg_hdr.msg_name = &to[i];
        m[i].msg_hdr.msg_namelen = sizeof to[i];
        m[i].msg_hdr.msg_iov = &io[i];
        m[i].msg_hdr.msg_iovlen = 1;
    }
    double spent = 0;
    long sent = 0;
    for (int k = 0; k < rounds; k++) {
        double c0 = cpu_seconds();
        if (batched) {
            for (int off = 0; off < SOCKETS;) {
                int n = sendmmsg(s, m + off, SOCKETS - off, 0);
                if (n <= 0) {
                    perror("sendmmsg");
                    return 1;
                }
                off += n;
            }
        } else {
            for (int i = 0; i < SOCKETS; i++) {
                if (sendto(s, buf, LEN, 0, (struct sockaddr *) &to[i], sizeof to[i]) != LEN) {
                    perror("sendto");
                    return 1;
                }
            }
        }
        spent += cpu_seconds() - c0;
        sent += SOCKETS;
        for (int i = 0; i < SOCKETS; i++) {
            if (recv(r[i], drain, sizeof drain, MSG_DONTWAIT) != LEN) {
                fprintf(stderr, "receiver %d got nothing\n", i);
                return 1;
            }
        }
    }
    printf("%s: %.3f us CPU per datagram (%ld datagrams)\n", argv[2], spent * 1e6 / sent, sent);
    return 0;
}
