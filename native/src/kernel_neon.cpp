// neon build of the generic kernels (flags in binding.gyp).
#define WD_NS neon
#define WD_VBYTES 16
#define WD_LEVEL_NAME "neon"
#include "kernels_generic.inc"
