// avx2 build of the generic kernels (flags in binding.gyp).
#define WD_NS avx2
#define WD_VBYTES 32
#define WD_LEVEL_NAME "avx2"
#include "kernels_generic.inc"
