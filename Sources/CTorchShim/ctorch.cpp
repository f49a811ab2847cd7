#include "ctorch.h"
#include <torch/script.h>
#include <ATen/Parallel.h>

extern "C" void ctorch_set_num_threads(int32_t threads) {
    at::set_num_threads(threads > 0 ? threads : 1);
}
