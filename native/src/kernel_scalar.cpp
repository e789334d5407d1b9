// scalar build of the generic kernels (flags in binding.gyp).
#define WD_NS scalar
#define WD_VBYTES 0
#define WD_LEVEL_NAME "scalar"
#include "kernels_generic.inc"
