/*
 * faultfs-syncfs: makes a process's syncfs(2) calls visible to faultfs (scripts/faultfs.py), which FUSE never sees:
 * the kernel answers syncfs of a FUSE mount itself, without asking the file system (only virtiofs is asked).
 *
 * Preloaded (LD_PRELOAD) into the processes that run against a faultfs mount, with FAULTFS_CONTROL naming the mount's
 * control socket. Each syncfs asks faultfs first, as one operation of kind `fsync` (a flush): faultfs counts it, can
 * fail it (the call then fails with that errno, as a failed write-back would), adds the flush latency, and otherwise
 * syncs its backing file system and takes every name made on the mount as synced. Then the real syncfs runs.
 * Without FAULTFS_CONTROL, or when the socket cannot be reached, syncfs is the real one alone.
 *
 * Build: cc -shared -fPIC -O2 -o faultfs-syncfs.so scripts/faultfs-syncfs.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The errno faultfs answers for this syncfs: 0 to let it through, -1 when faultfs could not be asked. */
static int ask_faultfs(void) {
    const char *path = getenv("FAULTFS_CONTROL");
    if (path == NULL || strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) return -1;
    int connection = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connection < 0) return -1;
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    strcpy(address.sun_path, path);
    int answer = -1;
    static const char command[] = "{\"command\": \"syncfs\"}\n";
    if (connect(connection, (struct sockaddr *)&address, sizeof address) == 0 &&
        write(connection, command, sizeof command - 1) == (ssize_t)(sizeof command - 1)) {
        char line[256];
        size_t filled = 0;
        ssize_t count;
        while (filled < sizeof line - 1 && (count = read(connection, line + filled, sizeof line - 1 - filled)) > 0) {
            filled += (size_t)count;
            if (memchr(line, '\n', filled) != NULL) break;
        }
        line[filled] = '\0';
        /* The answer is {"errno": N}, N being 0 or the errno to fail with. */
        const char *field = strstr(line, "\"errno\":");
        if (field != NULL) answer = atoi(field + strlen("\"errno\":"));
    }
    close(connection);
    return answer;
}

int syncfs(int descriptor) {
    static int (*real_syncfs)(int);
    if (real_syncfs == NULL) real_syncfs = (int (*)(int))dlsym(RTLD_NEXT, "syncfs");
    int failure = ask_faultfs();
    if (failure > 0) {
        errno = failure;
        return -1;
    }
    return real_syncfs(descriptor);
}
