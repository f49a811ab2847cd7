#include "ctorch.h"

#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <torch/cuda.h>
#include <torch/script.h>
#include <torch/csrc/jit/runtime/graph_executor.h>

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

// The pointer types that Swift binds with dlsym must match the definitions.
static_assert(std::is_same_v<decltype(&ctorch_load_operator_library), ctorch_load_operator_library_fn>);
static_assert(std::is_same_v<decltype(&ctorch_model_load), ctorch_model_load_fn>);
static_assert(std::is_same_v<decltype(&ctorch_model_free), ctorch_model_free_fn>);
static_assert(std::is_same_v<decltype(&ctorch_model_detect), ctorch_model_detect_fn>);
static_assert(std::is_same_v<decltype(&ctorch_result_frame), ctorch_result_frame_fn>);
static_assert(std::is_same_v<decltype(&ctorch_result_free), ctorch_result_free_fn>);

struct ctorch_model {
    torch::jit::Module module;
    c10::Device device;
    int32_t threads;
};

namespace {

// One frame's outputs, converted to contiguous CPU tensors that the result owns.
struct FrameOutputs {
    at::Tensor boxes, labels, scores, keypoints, keypoints_scores, embeddings, frame_embedding;
};

}  // namespace

struct ctorch_result {
    std::vector<FrameOutputs> frames;
};

namespace {

// A model output that is not torchvision's detections.
struct BadOutput : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void write_error(char *error, size_t capacity, const std::string &message) {
    if (error == nullptr || capacity == 0) return;
    size_t length = std::min(message.size(), capacity - 1);
    std::memcpy(error, message.data(), length);
    error[length] = '\0';
}

// Runs `body`, turning every C++ exception into CTORCH_ERROR plus a message.
template <typename Body>
int32_t guarded(char *error, size_t capacity, const char *context, Body body) {
    try {
        body();
        return CTORCH_OK;
    } catch (const BadOutput &e) {
        write_error(error, capacity, e.what());
        return CTORCH_BAD_OUTPUT;
    } catch (const c10::Error &e) {
        write_error(error, capacity, std::string(context) + ": " + e.what_without_backtrace());
    } catch (const std::exception &e) {
        write_error(error, capacity, std::string(context) + ": " + e.what());
    } catch (...) {
        write_error(error, capacity, std::string(context) + ": unknown C++ exception");
    }
    return CTORCH_ERROR;
}

int32_t effective_threads(int32_t threads) {
    if (threads > 0) return threads;
    unsigned cores = std::thread::hardware_concurrency();
    return cores > 0 ? static_cast<int32_t>(cores) : 1;
}

std::string shape_of(const at::Tensor &tensor) {
    std::ostringstream out;
    out << tensor.sizes();
    return out.str();
}

// The detections list from either return shape of torchvision's detectors.
c10::List<c10::IValue> detections_list(const c10::IValue &output) {
    if (output.isList()) return output.toList();
    if (output.isTuple()) {
        const auto &elements = output.toTupleRef().elements();
        if (elements.size() == 2 && elements[1].isList()) return elements[1].toList();
    }
    throw BadOutput("model returned " + output.type()->str() +
                             ", expected List[Dict[str, Tensor]] or a (losses, detections) tuple");
}

at::Tensor required_tensor(const c10::Dict<c10::IValue, c10::IValue> &dict, const char *key, size_t frame) {
    auto entry = dict.find(c10::IValue(std::string(key)));
    if (entry == dict.end() || !entry->value().isTensor()) {
        std::ostringstream keys;
        for (const auto &item : dict) {
            keys << (keys.tellp() > 0 ? ", " : "");
            if (item.key().isString()) keys << item.key().toStringRef(); else keys << item.key().tagKind();
        }
        throw BadOutput("model returned detections without a '" + std::string(key) +
                                 "' tensor for frame " + std::to_string(frame) + " (keys: " + keys.str() +
                                 "), expected boxes, labels, scores, keypoints, keypoints_scores");
    }
    return entry->value().toTensor();
}

at::Tensor optional_tensor(const c10::Dict<c10::IValue, c10::IValue> &dict, const char *key) {
    auto entry = dict.find(c10::IValue(std::string(key)));
    if (entry == dict.end() || !entry->value().isTensor()) return at::Tensor();
    return entry->value().toTensor();
}

void expect_shape(bool ok, const char *key, const at::Tensor &tensor, const char *expected, size_t frame) {
    if (!ok) {
        throw BadOutput("model returned '" + std::string(key) + "' of shape " + shape_of(tensor) +
                                 " for frame " + std::to_string(frame) + ", expected " + expected);
    }
}

FrameOutputs frame_outputs(const c10::IValue &value, size_t frame) {
    if (!value.isGenericDict()) {
        throw BadOutput("model returned " + value.type()->str() + " for frame " + std::to_string(frame) +
                                 ", expected Dict[str, Tensor]");
    }
    auto dict = value.toGenericDict();
    auto floats = [](const at::Tensor &t) { return t.to(at::kCPU, at::kFloat).contiguous(); };
    FrameOutputs out;
    out.boxes = floats(required_tensor(dict, "boxes", frame));
    out.labels = required_tensor(dict, "labels", frame).to(at::kCPU, at::kLong).contiguous();
    out.scores = floats(required_tensor(dict, "scores", frame));
    out.keypoints = floats(required_tensor(dict, "keypoints", frame));
    out.keypoints_scores = floats(required_tensor(dict, "keypoints_scores", frame));
    int64_t n = out.boxes.dim() == 2 ? out.boxes.size(0) : -1;
    expect_shape(out.boxes.dim() == 2 && out.boxes.size(1) == 4, "boxes", out.boxes, "[N, 4]", frame);
    expect_shape(out.labels.dim() == 1 && out.labels.size(0) == n, "labels", out.labels, "[N]", frame);
    expect_shape(out.scores.dim() == 1 && out.scores.size(0) == n, "scores", out.scores, "[N]", frame);
    expect_shape(out.keypoints.dim() == 3 && out.keypoints.size(0) == n && out.keypoints.size(2) == 3,
                 "keypoints", out.keypoints, "[N, K, 3]", frame);
    int64_t k = out.keypoints.size(1);
    expect_shape(out.keypoints_scores.dim() == 2 && out.keypoints_scores.size(0) == n &&
                     out.keypoints_scores.size(1) == k,
                 "keypoints_scores", out.keypoints_scores, "[N, K]", frame);
    at::Tensor embeddings = optional_tensor(dict, "embeddings");
    if (embeddings.defined()) {
        out.embeddings = floats(embeddings);
        expect_shape(out.embeddings.dim() == 2 && out.embeddings.size(0) == n, "embeddings", out.embeddings,
                     "[N, D]", frame);
    }
    at::Tensor frame_embedding = optional_tensor(dict, "frame_embedding");
    if (frame_embedding.defined()) {
        out.frame_embedding = floats(frame_embedding);
        expect_shape(out.frame_embedding.dim() == 1, "frame_embedding", out.frame_embedding, "[D]", frame);
    }
    return out;
}

std::mutex loaded_libraries_mutex;
std::set<std::string> loaded_libraries;

}  // namespace

extern "C" int32_t ctorch_load_operator_library(const char *path, char *error, size_t error_capacity) {
    std::lock_guard<std::mutex> lock(loaded_libraries_mutex);
    if (loaded_libraries.count(path) > 0) return CTORCH_OK;
    // RTLD_GLOBAL: the library registers its operators with libtorch's dispatcher
    // in static initialisers; the handle stays open for the life of the process.
    if (dlopen(path, RTLD_NOW | RTLD_GLOBAL) == nullptr) {
        const char *reason = dlerror();
        write_error(error, error_capacity, reason != nullptr ? reason : "dlopen failed");
        return CTORCH_ERROR;
    }
    loaded_libraries.insert(path);
    return CTORCH_OK;
}

extern "C" int32_t ctorch_model_load(const char *path, int32_t device, int32_t threads, ctorch_model **model,
                                     char *error, size_t error_capacity) {
    *model = nullptr;
    return guarded(error, error_capacity, "cannot load TorchScript model", [&] {
        c10::Device target(at::kCPU);
        if (device == CTORCH_DEVICE_CUDA) {
            if (!torch::cuda::is_available()) {
                throw std::runtime_error("device 'cuda' requested but this libtorch sees no CUDA device");
            }
            target = c10::Device(at::kCUDA);
        }
        torch::jit::Module module = torch::jit::load(path, target);
        module.eval();
        *model = new ctorch_model{std::move(module), target, effective_threads(threads)};
    });
}

extern "C" void ctorch_model_free(ctorch_model *model) {
    delete model;
}

extern "C" int32_t ctorch_model_detect(ctorch_model *model, const ctorch_frame *frames, int64_t frame_count,
                                       ctorch_result **result, char *error, size_t error_capacity) {
    *result = nullptr;
    return guarded(error, error_capacity, "inference failed", [&] {
        // OpenMP's thread count is per calling thread: set it on every call.
        at::set_num_threads(model->threads);
        // No autograd bookkeeping; and no profiling runs or graph fusion, whose
        // first calls are far slower than plain interpretation on CPU.
        c10::InferenceMode inference_mode;
        torch::jit::GraphOptimizerEnabledGuard no_optimization(false);

        c10::List<at::Tensor> images;
        images.reserve(frame_count);
        for (int64_t i = 0; i < frame_count; ++i) {
            const ctorch_frame &frame = frames[i];
            // from_blob wraps the caller's buffer without copying; the model's
            // normalisation writes new tensors, never into it.
            at::Tensor image = torch::from_blob(const_cast<float *>(frame.pixels), {3, frame.height, frame.width},
                                                at::TensorOptions().dtype(at::kFloat));
            images.push_back(model->device.is_cpu() ? image : image.to(model->device));
        }
        c10::IValue output = model->module.forward({c10::IValue(images)});
        c10::List<c10::IValue> detections = detections_list(output);
        if (static_cast<int64_t>(detections.size()) != frame_count) {
            throw BadOutput("model returned " + std::to_string(detections.size()) + " detections for " +
                                     std::to_string(frame_count) + " frames");
        }
        auto owned = std::make_unique<ctorch_result>();
        owned->frames.reserve(detections.size());
        for (size_t i = 0; i < detections.size(); ++i) owned->frames.push_back(frame_outputs(detections.get(i), i));
        *result = owned.release();
    });
}

extern "C" int32_t ctorch_model_embed(ctorch_model *model, const float *input, int64_t batch, int64_t channels,
                                      int64_t height, int64_t width, float **output, int64_t *dimension,
                                      char *error, size_t error_capacity) {
    *output = nullptr;
    *dimension = 0;
    return guarded(error, error_capacity, "inference failed", [&] {
        at::set_num_threads(model->threads);
        c10::InferenceMode inference_mode;
        torch::jit::GraphOptimizerEnabledGuard no_optimization(false);
        at::Tensor tensor = torch::from_blob(const_cast<float *>(input), {batch, channels, height, width},
                                             at::TensorOptions().dtype(at::kFloat));
        c10::IValue result = model->module.forward({model->device.is_cpu() ? tensor : tensor.to(model->device)});
        if (!result.isTensor()) {
            throw BadOutput("model returned " + result.type()->str() + ", expected a Tensor of shape [" +
                            std::to_string(batch) + ", D]");
        }
        at::Tensor values = result.toTensor();
        if (values.dim() != 2 || values.size(0) != batch || !values.is_floating_point()) {
            throw BadOutput("model returned a " + std::string(c10::toString(values.scalar_type())) + " tensor of shape " +
                            shape_of(values) + " for " + std::to_string(batch) + " inputs, expected a float tensor [" +
                            std::to_string(batch) + ", D]");
        }
        values = values.to(at::kCPU, at::kFloat).contiguous();
        auto *copy = static_cast<float *>(std::malloc(sizeof(float) * static_cast<size_t>(std::max<int64_t>(values.numel(), 1))));
        if (copy == nullptr) throw std::bad_alloc();
        std::memcpy(copy, values.data_ptr<float>(), sizeof(float) * static_cast<size_t>(values.numel()));
        *output = copy;
        *dimension = values.size(1);
    });
}

extern "C" void ctorch_floats_free(float *values) {
    std::free(values);
}

extern "C" int64_t ctorch_result_frame_count(const ctorch_result *result) {
    return static_cast<int64_t>(result->frames.size());
}

extern "C" ctorch_frame_detections ctorch_result_frame(const ctorch_result *result, int64_t index) {
    const FrameOutputs &frame = result->frames[static_cast<size_t>(index)];
    ctorch_frame_detections out{};
    out.count = frame.boxes.size(0);
    out.keypoint_count = frame.keypoints.size(1);
    out.boxes = frame.boxes.data_ptr<float>();
    out.labels = frame.labels.data_ptr<int64_t>();
    out.scores = frame.scores.data_ptr<float>();
    out.keypoints = frame.keypoints.data_ptr<float>();
    out.keypoints_scores = frame.keypoints_scores.data_ptr<float>();
    if (frame.embeddings.defined()) {
        out.has_embeddings = 1;
        out.embedding_size = frame.embeddings.size(1);
        out.embeddings = frame.embeddings.data_ptr<float>();
    }
    if (frame.frame_embedding.defined()) {
        out.has_frame_embedding = 1;
        out.frame_embedding_size = frame.frame_embedding.size(0);
        out.frame_embedding = frame.frame_embedding.data_ptr<float>();
    }
    return out;
}

extern "C" void ctorch_result_free(ctorch_result *result) {
    delete result;
}
