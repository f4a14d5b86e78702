// Definitions that keep the function executables within the glibc of Amazon Linux 2023 (2.34).
//
// The Swift standard library, linked statically, refers to hypotf, whose default version in the glibc we build with
// is GLIBC_2.35: the deployed executable would fail to load on provided.al2023. Defining it here binds the reference
// inside the executable instead. `make package` checks every symbol version of the artifacts.
#ifndef GLIBC_COMPATIBILITY_H
#define GLIBC_COMPATIBILITY_H

float hypotf(float x, float y);

#endif
