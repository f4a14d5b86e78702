#include "GlibcCompatibility.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

// glibc's own arc4random aborts when the kernel cannot give randomness, rather than return a guessable number; so
// does this one. getrandom blocks only until the kernel's pool is first initialised, long before Lambda runs a
// function.
uint32_t arc4random(void) {
    uint32_t value;
    size_t filled = 0;
    while (filled < sizeof value) {
        ssize_t count = getrandom((char *)&value + filled, sizeof value - filled, 0);
        if (count > 0) {
            filled += (size_t)count;
        } else if (count < 0 && errno != EINTR) {
            abort();
        }
    }
    return value;
}
