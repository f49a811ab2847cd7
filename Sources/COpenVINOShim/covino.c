// The OpenVINO shim: covino.h over OpenVINO's C API (openvino/c/openvino.h, from the PyPI wheel
// that scripts/setup.sh installs). Messages come from ov_get_last_err_msg, prefixed with what
// failed.
#include "covino.h"

#include <openvino/c/openvino.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct covino_model {
    ov_core_t *core;
    ov_compiled_model_t *compiled;
    int64_t output_count;
    char **output_names;
};

struct covino_request {
    covino_model *model;
    ov_infer_request_t *request;
    // Output tensors handed out since the last pass; their data belongs to the request.
    ov_tensor_t *outputs[16];
    int output_count;
};

static int32_t fail(int32_t code, const char *what, char *error, size_t capacity) {
    if (error && capacity > 0) {
        const char *reason = ov_get_last_err_msg();
        if (reason && *reason) {
            snprintf(error, capacity, "%s: %s", what, reason);
        } else {
            snprintf(error, capacity, "%s", what);
        }
    }
    return code;
}

static int32_t fail_plain(int32_t code, const char *message, char *error, size_t capacity) {
    if (error && capacity > 0) snprintf(error, capacity, "%s", message);
    return code;
}

static void release_outputs(covino_request *request) {
    for (int i = 0; i < request->output_count; i++) ov_tensor_free(request->outputs[i]);
    request->output_count = 0;
}

// The model's one input must be a rank-3 (CHW) image.
static int32_t check_input(const ov_compiled_model_t *compiled, char *error, size_t capacity) {
    size_t inputs = 0;
    if (ov_compiled_model_inputs_size(compiled, &inputs) != OK) {
        return fail(COVINO_ERROR, "cannot count the model's inputs", error, capacity);
    }
    if (inputs != 1) {
        char message[160];
        snprintf(message, sizeof message, "the model has %zu inputs, expected one CHW float image", inputs);
        return fail_plain(COVINO_BAD_MODEL, message, error, capacity);
    }
    ov_output_const_port_t *port = NULL;
    if (ov_compiled_model_input_by_index(compiled, 0, &port) != OK) {
        return fail(COVINO_ERROR, "cannot read the model's input", error, capacity);
    }
    ov_partial_shape_t shape;
    ov_status_e status = ov_port_get_partial_shape(port, &shape);
    ov_output_const_port_free(port);
    if (status != OK) return fail(COVINO_ERROR, "cannot read the model's input shape", error, capacity);
    int64_t rank = shape.rank.max;
    int dynamic = shape.rank.min != shape.rank.max;
    ov_partial_shape_free(&shape);
    if (dynamic || rank != 3) {
        char message[160];
        snprintf(message, sizeof message, "the model's input has rank %lld, expected 3 (one CHW float image)",
                 (long long)rank);
        return fail_plain(COVINO_BAD_MODEL, message, error, capacity);
    }
    return COVINO_OK;
}

static int32_t read_output_names(covino_model *model, char *error, size_t capacity) {
    size_t count = 0;
    if (ov_compiled_model_outputs_size(model->compiled, &count) != OK) {
        return fail(COVINO_ERROR, "cannot count the model's outputs", error, capacity);
    }
    model->output_names = calloc(count ? count : 1, sizeof(char *));
    if (!model->output_names) return fail_plain(COVINO_ERROR, "out of memory", error, capacity);
    model->output_count = (int64_t)count;
    for (size_t i = 0; i < count; i++) {
        ov_output_const_port_t *port = NULL;
        char *name = NULL;
        if (ov_compiled_model_output_by_index(model->compiled, i, &port) != OK) {
            return fail(COVINO_ERROR, "cannot read the model's outputs", error, capacity);
        }
        ov_status_e status = ov_port_get_any_name(port, &name);
        ov_output_const_port_free(port);
        // An output without a name cannot be asked for: it is listed as empty.
        model->output_names[i] = strdup(status == OK && name ? name : "");
        if (name) ov_free(name);
        if (!model->output_names[i]) return fail_plain(COVINO_ERROR, "out of memory", error, capacity);
    }
    return COVINO_OK;
}

int32_t covino_model_load(const char *path, int32_t threads, int32_t streams, covino_model **out, char *error,
                          size_t capacity) {
    *out = NULL;
    covino_model *model = calloc(1, sizeof *model);
    if (!model) return fail_plain(COVINO_ERROR, "out of memory", error, capacity);
    int32_t status = COVINO_OK;
    ov_model_t *read = NULL;
    if (ov_core_create(&model->core) != OK) {
        status = fail(COVINO_ERROR, "cannot start OpenVINO", error, capacity);
    } else if (ov_core_read_model(model->core, path, NULL, &read) != OK) {
        status = fail(COVINO_ERROR, "cannot read an OpenVINO or ONNX model", error, capacity);
    } else {
        char thread_text[24], stream_text[24];
        snprintf(thread_text, sizeof thread_text, "%d", threads > 0 ? threads : 0);
        snprintf(stream_text, sizeof stream_text, "%d", streams > 0 ? streams : 1);
        // f32 throughout: on CPUs with bf16 units OpenVINO would otherwise compute in bf16,
        // outside the accuracy gates against libtorch (docs/stages/detect.md).
        if (ov_core_compile_model(model->core, read, "CPU", 8, &model->compiled,
                                  ov_property_key_inference_num_threads, thread_text,
                                  ov_property_key_num_streams, stream_text,
                                  ov_property_key_hint_inference_precision, "f32",
                                  ov_property_key_hint_enable_cpu_pinning, "NO") != OK) {
            status = fail(COVINO_ERROR, "cannot compile the model for the CPU", error, capacity);
        } else if ((status = check_input(model->compiled, error, capacity)) == COVINO_OK) {
            status = read_output_names(model, error, capacity);
        }
    }
    if (read) ov_model_free(read);
    if (status != COVINO_OK) {
        covino_model_free(model);
        return status;
    }
    *out = model;
    return COVINO_OK;
}

void covino_model_free(covino_model *model) {
    if (!model) return;
    for (int64_t i = 0; i < model->output_count; i++) free(model->output_names[i]);
    free(model->output_names);
    if (model->compiled) ov_compiled_model_free(model->compiled);
    if (model->core) ov_core_free(model->core);
    free(model);
}

int64_t covino_model_output_count(const covino_model *model) { return model->output_count; }

const char *covino_model_output_name(const covino_model *model, int64_t index) {
    return model->output_names[index];
}

int32_t covino_request_create(covino_model *model, covino_request **out, char *error, size_t capacity) {
    *out = NULL;
    covino_request *request = calloc(1, sizeof *request);
    if (!request) return fail_plain(COVINO_ERROR, "out of memory", error, capacity);
    if (ov_compiled_model_create_infer_request(model->compiled, &request->request) != OK) {
        free(request);
        return fail(COVINO_ERROR, "cannot create an infer request", error, capacity);
    }
    request->model = model;
    *out = request;
    return COVINO_OK;
}

void covino_request_free(covino_request *request) {
    if (!request) return;
    release_outputs(request);
    ov_infer_request_free(request->request);
    free(request);
}

int32_t covino_request_infer(covino_request *request, const float *pixels, int64_t channels, int64_t height,
                             int64_t width, char *error, size_t capacity) {
    release_outputs(request);
    int64_t dims[3] = {channels, height, width};
    ov_shape_t shape;
    if (ov_shape_create(3, dims, &shape) != OK) return fail(COVINO_ERROR, "cannot shape the frame", error, capacity);
    ov_tensor_t *tensor = NULL;
    // The tensor wraps the caller's pixels for the pass; OpenVINO does not write its inputs.
    ov_status_e status = ov_tensor_create_from_host_ptr(F32, shape, (void *)pixels, &tensor);
    ov_shape_free(&shape);
    if (status != OK) return fail(COVINO_ERROR, "cannot wrap the frame", error, capacity);
    int32_t result = COVINO_OK;
    if (ov_infer_request_set_input_tensor_by_index(request->request, 0, tensor) != OK) {
        result = fail(COVINO_ERROR, "cannot set the frame as the model's input", error, capacity);
    } else if (ov_infer_request_infer(request->request) != OK) {
        result = fail(COVINO_ERROR, "the forward pass failed", error, capacity);
    }
    ov_tensor_free(tensor);
    return result;
}

static int32_t element_type(ov_element_type_e type) {
    switch (type) {
    case F32: return COVINO_ELEMENT_F32;
    case I64: return COVINO_ELEMENT_I64;
    case I32: return COVINO_ELEMENT_I32;
    default: return COVINO_ELEMENT_OTHER;
    }
}

int32_t covino_request_output(covino_request *request, const char *name, covino_output *output, char *error,
                              size_t capacity) {
    memset(output, 0, sizeof *output);
    if (request->output_count >= (int)(sizeof request->outputs / sizeof request->outputs[0])) {
        return fail_plain(COVINO_ERROR, "too many outputs asked for in one pass", error, capacity);
    }
    ov_tensor_t *tensor = NULL;
    if (ov_infer_request_get_tensor(request->request, name, &tensor) != OK) {
        char what[256];
        snprintf(what, sizeof what, "cannot read output '%s'", name);
        return fail(COVINO_ERROR, what, error, capacity);
    }
    request->outputs[request->output_count++] = tensor;
    ov_shape_t shape;
    ov_element_type_e type;
    void *data = NULL;
    if (ov_tensor_get_shape(tensor, &shape) != OK || ov_tensor_get_element_type(tensor, &type) != OK ||
        ov_tensor_data(tensor, &data) != OK) {
        return fail(COVINO_ERROR, "cannot read an output tensor", error, capacity);
    }
    if (shape.rank > COVINO_MAX_RANK) {
        ov_shape_free(&shape);
        return fail_plain(COVINO_ERROR, "an output has more than 8 dimensions", error, capacity);
    }
    output->element_type = element_type(type);
    output->rank = shape.rank;
    for (int64_t i = 0; i < shape.rank; i++) output->dims[i] = shape.dims[i];
    output->data = data;
    ov_shape_free(&shape);
    return COVINO_OK;
}
