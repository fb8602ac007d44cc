//! Compiles libopus from `opus/` with the `cc` crate (no cmake), with the configuration
//! opusic-sys's CMake build uses: float decoder and encoder, no DRED/OSCE/deep PLC,
//! hardening on, always optimised (-O3, as CMake's Release even in debug builds). On
//! x86/x86_64 the SSE and SSE2 kernels are presumed (the target's baseline) and the
//! SSE4.1 and AVX2 ones chosen at run time (RTCD), each file compiled with its own
//! instruction-set flag as CMake does; elsewhere the portable C is built.

use std::path::Path;

/// Every file of a list, in `opus/`.
fn sources<'a>(list: &'a [&'a str]) -> impl Iterator<Item = String> + 'a {
    list.iter().map(|file| format!("opus/{file}"))
}

const PORTABLE: &[&str] = &[
    "celt/bands.c", "celt/celt.c", "celt/celt_decoder.c", "celt/celt_encoder.c", "celt/celt_lpc.c", "celt/cwrs.c",
    "celt/entcode.c", "celt/entdec.c", "celt/entenc.c", "celt/kiss_fft.c", "celt/laplace.c", "celt/mathops.c",
    "celt/mdct.c", "celt/modes.c", "celt/pitch.c", "celt/quant_bands.c", "celt/rate.c", "celt/vq.c",
    "silk/A2NLSF.c", "silk/CNG.c", "silk/HP_variable_cutoff.c", "silk/LPC_analysis_filter.c", "silk/LPC_fit.c",
    "silk/LPC_inv_pred_gain.c", "silk/LP_variable_cutoff.c", "silk/NLSF2A.c", "silk/NLSF_VQ.c",
    "silk/NLSF_VQ_weights_laroia.c", "silk/NLSF_decode.c", "silk/NLSF_del_dec_quant.c", "silk/NLSF_encode.c",
    "silk/NLSF_stabilize.c", "silk/NLSF_unpack.c", "silk/NSQ.c", "silk/NSQ_del_dec.c", "silk/PLC.c", "silk/VAD.c",
    "silk/VQ_WMat_EC.c", "silk/ana_filt_bank_1.c", "silk/biquad_alt.c", "silk/bwexpander.c", "silk/bwexpander_32.c",
    "silk/check_control_input.c", "silk/code_signs.c", "silk/control_SNR.c", "silk/control_audio_bandwidth.c",
    "silk/control_codec.c", "silk/debug.c", "silk/dec_API.c", "silk/decode_core.c", "silk/decode_frame.c",
    "silk/decode_indices.c", "silk/decode_parameters.c", "silk/decode_pitch.c", "silk/decode_pulses.c",
    "silk/decoder_set_fs.c", "silk/enc_API.c", "silk/encode_indices.c", "silk/encode_pulses.c", "silk/gain_quant.c",
    "silk/init_decoder.c", "silk/init_encoder.c", "silk/inner_prod_aligned.c", "silk/interpolate.c",
    "silk/lin2log.c", "silk/log2lin.c", "silk/pitch_est_tables.c", "silk/process_NLSFs.c", "silk/quant_LTP_gains.c",
    "silk/resampler.c", "silk/resampler_down2.c", "silk/resampler_down2_3.c", "silk/resampler_private_AR2.c",
    "silk/resampler_private_IIR_FIR.c", "silk/resampler_private_down_FIR.c", "silk/resampler_private_up2_HQ.c",
    "silk/resampler_rom.c", "silk/shell_coder.c", "silk/sigm_Q15.c", "silk/sort.c", "silk/stereo_LR_to_MS.c",
    "silk/stereo_MS_to_LR.c", "silk/stereo_decode_pred.c", "silk/stereo_encode_pred.c",
    "silk/stereo_find_predictor.c", "silk/stereo_quant_pred.c", "silk/sum_sqr_shift.c", "silk/table_LSF_cos.c",
    "silk/tables_LTP.c", "silk/tables_NLSF_CB_NB_MB.c", "silk/tables_NLSF_CB_WB.c", "silk/tables_gain.c",
    "silk/tables_other.c", "silk/tables_pitch_lag.c", "silk/tables_pulses_per_block.c",
    "silk/float/LPC_analysis_filter_FLP.c", "silk/float/LPC_inv_pred_gain_FLP.c",
    "silk/float/LTP_analysis_filter_FLP.c", "silk/float/LTP_scale_ctrl_FLP.c", "silk/float/apply_sine_window_FLP.c",
    "silk/float/autocorrelation_FLP.c", "silk/float/burg_modified_FLP.c", "silk/float/bwexpander_FLP.c",
    "silk/float/corrMatrix_FLP.c", "silk/float/encode_frame_FLP.c", "silk/float/energy_FLP.c",
    "silk/float/find_LPC_FLP.c", "silk/float/find_LTP_FLP.c", "silk/float/find_pitch_lags_FLP.c",
    "silk/float/find_pred_coefs_FLP.c", "silk/float/inner_product_FLP.c", "silk/float/k2a_FLP.c",
    "silk/float/noise_shape_analysis_FLP.c", "silk/float/pitch_analysis_core_FLP.c",
    "silk/float/process_gains_FLP.c", "silk/float/regularize_correlations_FLP.c",
    "silk/float/residual_energy_FLP.c", "silk/float/scale_copy_vector_FLP.c", "silk/float/scale_vector_FLP.c",
    "silk/float/schur_FLP.c", "silk/float/sort_FLP.c", "silk/float/warped_autocorrelation_FLP.c",
    "silk/float/wrappers_FLP.c",
    "src/analysis.c", "src/extensions.c", "src/mapping_matrix.c", "src/mlp.c", "src/mlp_data.c", "src/opus.c",
    "src/opus_decoder.c", "src/opus_encoder.c", "src/opus_multistream.c", "src/opus_multistream_decoder.c",
    "src/opus_multistream_encoder.c", "src/opus_projection_decoder.c", "src/opus_projection_encoder.c",
    "src/repacketizer.c",
];
/// x86: run-time CPU detection and the presumed SSE/SSE2 kernels.
const X86_BASE: &[&str] = &[
    "celt/x86/x86cpu.c", "celt/x86/x86_celt_map.c", "silk/x86/x86_silk_map.c", "celt/x86/pitch_sse.c",
    "celt/x86/pitch_sse2.c", "celt/x86/vq_sse2.c",
];
const X86_SSE4_1: &[&str] = &[
    "celt/x86/celt_lpc_sse4_1.c", "celt/x86/pitch_sse4_1.c", "silk/x86/NSQ_sse4_1.c",
    "silk/x86/NSQ_del_dec_sse4_1.c", "silk/x86/VAD_sse4_1.c", "silk/x86/VQ_WMat_EC_sse4_1.c",
];
const X86_AVX2: &[&str] = &[
    "celt/x86/pitch_avx.c", "silk/x86/NSQ_del_dec_avx2.c", "silk/float/x86/inner_product_FLP_avx2.c",
];

fn main() {
    println!("cargo:rerun-if-changed=opus");
    println!("cargo:rerun-if-changed=build.rs");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let x86 = arch == "x86_64" || arch == "x86";
    let msvc = std::env::var("CARGO_CFG_TARGET_ENV").is_ok_and(|env| env == "msvc");

    let base = || {
        let mut build = cc::Build::new();
        build
            .include("opus/include")
            .include("opus")
            .include("opus/celt")
            .include("opus/silk")
            .include("opus/silk/float")
            .define("OPUS_BUILD", None)
            .define("PACKAGE_VERSION", "\"1.6.1\"")
            .define("HAVE_LRINT", None)
            .define("HAVE_LRINTF", None)
            .define("ENABLE_HARDENING", None)
            .define("DISABLE_DEBUG_FLOAT", None)
            .opt_level(3)
            .debug(false)
            .warnings(false);
        if msvc {
            // MSVC has no variable-length arrays.
            build.define("USE_ALLOCA", None);
        } else {
            build.define("VAR_ARRAYS", None).flag_if_supported("-std=gnu99");
        }
        if x86 {
            build
                .define("OPUS_HAVE_RTCD", None)
                .define(if msvc { "CPU_INFO_BY_C" } else { "CPU_INFO_BY_ASM" }, None)
                .define("OPUS_X86_MAY_HAVE_SSE", None)
                .define("OPUS_X86_MAY_HAVE_SSE2", None)
                .define("OPUS_X86_MAY_HAVE_SSE4_1", None)
                .define("OPUS_X86_MAY_HAVE_AVX2", None)
                .define("OPUS_X86_PRESUME_SSE", None)
                .define("OPUS_X86_PRESUME_SSE2", None);
            if !msvc {
                build.flag("-msse").flag("-msse2");
            }
        }
        build
    };

    let mut objects = Vec::new();
    if x86 {
        // The kernels chosen at run time, each with its instruction set (MSVC needs a flag
        // for AVX2 only).
        let mut sse4_1 = base();
        sse4_1.files(sources(X86_SSE4_1));
        let mut avx2 = base();
        avx2.files(sources(X86_AVX2));
        if msvc {
            avx2.flag("/arch:AVX2");
        } else {
            sse4_1.flag("-msse4.1");
            avx2.flag("-mavx").flag("-mavx2").flag("-mfma");
        }
        objects.extend(sse4_1.compile_intermediates());
        objects.extend(avx2.compile_intermediates());
    }
    let mut library = base();
    library.files(sources(PORTABLE));
    if x86 {
        library.files(sources(X86_BASE));
    }
    library.objects(objects).compile("opus");

    // For crates that compile against the headers (DEP_OPUS_INCLUDE).
    let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("opus/include");
    println!("cargo:include={}", include.display());
}
