{
  # simdjson-style layout: the generic kernels (src/kernels_generic.inc) are compiled once per instruction
  # set into a static library with that file's own flags; dispatch.cpp picks one at run time.
  # -ffp-contract=off keeps every level bit-identical (no fused multiply-add).
  "target_defaults": {
    "cflags_cc": ["-std=c++17", "-O3", "-fPIC", "-ffp-contract=off", "-fno-math-errno"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++1y", "-std=gnu++20"],
    "cflags!": ["-fno-exceptions"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
    "xcode_settings": {
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "OTHER_CPLUSPLUSFLAGS": ["-ffp-contract=off"]
    },
    "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17", "/fp:precise"] } }
  },
  "targets": [
    {
      "target_name": "wd_kernels_scalar",
      "type": "static_library",
      "sources": ["src/kernel_scalar.cpp"],
      "cflags_cc": ["-fno-tree-vectorize", "-fno-tree-slp-vectorize"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-ffp-contract=off", "-fno-vectorize", "-fno-slp-vectorize"] }
    },
    {
      "target_name": "warpdesk_native",
      "sources": ["src/addon.cpp", "src/dispatch.cpp"],
      "dependencies": ["wd_kernels_scalar"],
      "conditions": [
        ["target_arch=='x64'", { "dependencies": ["wd_kernels_sse4", "wd_kernels_avx2", "wd_kernels_avx512"] }],
        ["target_arch=='arm64'", { "dependencies": ["wd_kernels_neon"] }]
      ]
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        { "target_name": "wd_kernels_sse4", "type": "static_library", "sources": ["src/kernel_sse4.cpp"],
          "cflags_cc": ["-msse4.1"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-ffp-contract=off", "-msse4.1"] } },
        { "target_name": "wd_kernels_avx2", "type": "static_library", "sources": ["src/kernel_avx2.cpp"],
          "cflags_cc": ["-mavx2", "-mfma", "-mbmi2"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-ffp-contract=off", "-mavx2", "-mfma", "-mbmi2"] } },
        { "target_name": "wd_kernels_avx512", "type": "static_library", "sources": ["src/kernel_avx512.cpp"],
          "cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mfma", "-mprefer-vector-width=512"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-ffp-contract=off", "-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mfma", "-mprefer-vector-width=512"] } }
      ]
    }],
    ["target_arch=='arm64'", {
      "targets": [
        { "target_name": "wd_kernels_neon", "type": "static_library", "sources": ["src/kernel_neon.cpp"] }
      ]
    }]
  ]
}
