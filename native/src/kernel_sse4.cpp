// sse4 build of the generic kernels (flags in binding.gyp).
#define WD_NS sse4
#define WD_VBYTES 16
#define WD_LEVEL_NAME "sse4"
#include "kernels_generic.inc"
