// Definitions that keep the function executables within the glibc of Amazon Linux 2023 (2.34).
//
// The Swift standard library, linked statically, refers to hypotf, whose default version in the glibc we build with
// is GLIBC_2.35: the deployed executable would fail to load on provided.al2023. Defining it here binds the reference
// inside the executable instead. Likewise arc4random (GLIBC_2.36), which the statically linked libstdc++ refers to
// (its std::random_device; see linker/libstdc++.so). `make package` checks every symbol version of the artifacts.
#ifndef GLIBC_COMPATIBILITY_H
#define GLIBC_COMPATIBILITY_H

#include <stdint.h>

float hypotf(float x, float y);

/// A uniformly random 32-bit number from the kernel (getrandom, GLIBC_2.25); aborts if the kernel has none to give.
uint32_t arc4random(void);

#endif
