# The engine's CUDA backend (docs/gpu.md). ASLSWEEP_CUDA:
#   AUTO  on when nvcc and cuDNN are found, off otherwise (a note says why)
#   ON    required: configuring fails naming what is missing
#   OFF   never; the CPU build is the same as without this file
# Sets ASLSWEEP_HAVE_CUDA, CUDNN_INCLUDE_DIR and CUDNN_LIBRARY. cuDNN is
# looked for under CUDNN_ROOT (variable or environment), then the CUDA
# toolkit, then the default paths.
set(ASLSWEEP_HAVE_CUDA OFF)
if(NOT ASLSWEEP_CUDA MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "ASLSWEEP_CUDA=${ASLSWEEP_CUDA}: use AUTO, ON or OFF")
endif()

function(aslsweep_cuda_missing what)
  if(ASLSWEEP_CUDA STREQUAL "ON")
    message(FATAL_ERROR "ASLSWEEP_CUDA=ON but ${what}")
  endif()
  message(STATUS "CUDA backend: off (${what})")
endfunction()

if(NOT ASLSWEEP_CUDA STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX})
    file(GLOB _cuda_dirs /usr/local/cuda/bin /usr/local/cuda-*/bin)
    find_program(ASLSWEEP_NVCC nvcc HINTS $ENV{CUDA_HOME}/bin $ENV{CUDA_PATH}/bin ${_cuda_dirs})
    if(ASLSWEEP_NVCC)
      set(CMAKE_CUDA_COMPILER ${ASLSWEEP_NVCC})
    endif()
  endif()
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 90) # H100/H200; "80;90" adds A100
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(NOT CMAKE_CUDA_COMPILER)
    aslsweep_cuda_missing("no nvcc found (set CUDACXX or CMAKE_CUDA_COMPILER)")
  else()
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    set(_cudnn_hints ${CUDNN_ROOT} $ENV{CUDNN_ROOT} ${CUDAToolkit_LIBRARY_ROOT}
        ${CUDAToolkit_TARGET_DIR})
    find_path(CUDNN_INCLUDE_DIR cudnn.h HINTS ${_cudnn_hints} ${CUDAToolkit_INCLUDE_DIRS}
              PATH_SUFFIXES include)
    find_library(CUDNN_LIBRARY NAMES cudnn libcudnn.so.9 NAMES_PER_DIR HINTS ${_cudnn_hints}
                 ${CUDAToolkit_LIBRARY_DIR} PATH_SUFFIXES lib lib64)
    if(NOT CUDNN_INCLUDE_DIR OR NOT CUDNN_LIBRARY)
      aslsweep_cuda_missing("cuDNN not found (set CUDNN_ROOT to a folder with include/cudnn.h and lib/libcudnn.so)")
    else()
      set(ASLSWEEP_HAVE_CUDA ON)
      message(STATUS "CUDA backend: on (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, "
              "architectures ${CMAKE_CUDA_ARCHITECTURES}, cuDNN ${CUDNN_LIBRARY})")
      # The ViT's GEMMs need cuBLAS's header (the library is opened at run
      # time); a toolkit without it builds the backend without the ViT.
      find_path(CUBLAS_INCLUDE_DIR cublas_v2.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
      if(CUBLAS_INCLUDE_DIR)
        set(ASLSWEEP_HAVE_CUBLAS ON)
      else()
        set(ASLSWEEP_HAVE_CUBLAS OFF)
        message(STATUS "CUDA backend: without vit3d (cublas_v2.h not found in the toolkit)")
      endif()
    endif()
  endif()
endif()
