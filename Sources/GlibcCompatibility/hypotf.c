#include "GlibcCompatibility.h"

#include <math.h>

// The square root is taken in double precision, where the squares of any two floats neither overflow nor lose the
// digits a float keeps, so the result is the correctly scaled float hypotenuse.
float hypotf(float x, float y) {
    if (isinf(x) || isinf(y)) return INFINITY;  // Even when the other is NaN, as C requires.
    double dx = x, dy = y;
    return (float)sqrt(dx * dx + dy * dy);
}
