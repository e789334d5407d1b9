// avx512 build of the generic kernels (flags in binding.gyp).
#define WD_NS avx512
#define WD_VBYTES 64
#define WD_LEVEL_NAME "avx512"
#include "kernels_generic.inc"
