#include "CSystemCalls.h"

#include <errno.h>

#ifdef __linux__
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

int c_system_calls_open_without_links(int directory, const char *path, int flags) {
#if defined(__linux__) && defined(SYS_openat2)
    // struct open_how from <linux/openat2.h>, spelled out so that no kernel header is needed to build.
    struct {
        uint64_t flags;
        uint64_t mode;
        uint64_t resolve;
    } how = {(uint64_t)(unsigned int)flags, 0, 0x04 /* RESOLVE_NO_SYMLINKS */};
    long descriptor;
    do {
        descriptor = syscall(SYS_openat2, directory, path, &how, sizeof how);
    } while (descriptor < 0 && errno == EINTR);
    return (int)descriptor;
#else
    (void)directory;
    (void)path;
    (void)flags;
    errno = ENOSYS;
    return -1;
#endif
}
