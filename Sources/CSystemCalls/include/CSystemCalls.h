// System calls that Glibc does not wrap, or wraps only for C code built with _GNU_SOURCE, for the Swift modules: one
// plain function each, since Swift cannot call the variadic syscall(2).
#ifndef C_SYSTEM_CALLS_H
#define C_SYSTEM_CALLS_H

/// openat2(2) with RESOLVE_NO_SYMLINKS: opens `path` (from `directory`, or the working directory for AT_FDCWD) with
/// `flags`, refusing a symbolic link in any component of it, with ELOOP. Returns the descriptor, or -1 with errno set;
/// ENOSYS where the kernel (before Linux 5.6) or a sandbox's filter does not have the call, and on other systems.
int c_system_calls_open_without_links(int directory, const char *path, int flags);

#endif
