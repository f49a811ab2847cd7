#ifndef CFFMPEG_SHIM_H
#define CFFMPEG_SHIM_H

#include <math.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/display.h>
#include <libavutil/error.h>
#include <libswscale/swscale.h>

/// AVERROR(e) is a macro; Swift cannot call it.
static inline int cffmpeg_averror(int e) { return AVERROR(e); }
static inline int cffmpeg_eagain(void) { return AVERROR(EAGAIN); }
static inline int cffmpeg_eof(void) { return AVERROR_EOF; }
static inline int cffmpeg_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int cffmpeg_exit(void) { return AVERROR_EXIT; }

/// AV_NOPTS_VALUE is a cast expression Swift does not import.
static inline int64_t cffmpeg_nopts(void) { return AV_NOPTS_VALUE; }

/// The display matrix's rotation as ffprobe prints it (counter-clockwise degrees), rounded and
/// normalised to 0..359; 0 without a display matrix.
static inline int cffmpeg_stream_rotation(const AVStream *stream) {
    const uint8_t *matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, NULL);
    if (!matrix) return 0;
    double theta = round(av_display_rotation_get((const int32_t *)matrix));
    if (isnan(theta)) return 0;
    int degrees = (int)theta % 360;
    return degrees < 0 ? degrees + 360 : degrees;
}

/// Installs `callback(opaque)` as the format context's interrupt callback (checked by blocking I/O).
static inline void cffmpeg_set_interrupt(AVFormatContext *context, int (*callback)(void *), void *opaque) {
    context->interrupt_callback.callback = callback;
    context->interrupt_callback.opaque = opaque;
}

#endif
