//! Decoding one file on many pool threads, for codecs whose packets decode independently
//! (FLAC, ALAC, integer PCM).
//!
//! The file task reads packets in order (demuxing is sequential by nature) and hands
//! batches of up to `batch_packets` packets to pool jobs. Each job decodes its packets with
//! a decoder of the file's and turns each packet's samples into a dr-core `Segment` placed
//! by the packet's frame position. Segments carry exact integer sums, so merging them into
//! the track's analyser in whatever order jobs finish gives bit-identical results to a
//! sequential pass.
//!
//! Memory: every packet's bytes are reserved in the run's byte budget (`budget.rs`) before
//! it is read, and every decoder's buffers before it is made (one decoder per batch in
//! flight, kept for reuse until the file ends). A batch leaves when it holds `batch_packets`
//! packets or its share of the budget (the budget over twice the pool's threads, so every
//! thread can have one batch decoding and one ready whatever their number). When the budget
//! has no room, the file hands over the batch it is filling and waits for its batches to
//! finish. The file's floor, reserved when it starts (one decoder and one packet), lets it
//! always go on one packet at a time (its "own" batch), so a file never waits on another
//! file's work and nothing deadlocks. Results come back through a channel and are merged at
//! once; a segment is a few windows' sums, small.
//!
//! Waiting never blocks a pool thread in a way that can deadlock, even in a 1-thread
//! pool: while its batches are in flight the file task runs pending pool jobs itself
//! (`rayon::yield_now`, which may be its own batches or another file's work) and only
//! sleeps on the result channel, for at most a millisecond, when no job is runnable.
//!
//! Errors are deterministic: a failure at frame F stops only the batches that start after
//! F; batches before it run to the end, so the earliest failure in the file is reported,
//! as the sequential path would report it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::Mutex;
use std::time::Duration;

use dr_core::{Analyzer, Geometry, Segment};
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::packet::Packet;

use super::budget::{FileNeeds, MemoryBudget, Reserved};
use super::decoded::{decoded_buffer_bytes, Decoded};
use super::open::OpenedTrack;
use super::options::{Control, DecodeOptions};
use super::stream::{NextPacket, PacketStream};
use crate::codec::{I32Layout, PcmConverter, TrackDecoder};
use crate::error::DecodeError;
use crate::error::TrackContext;

/// How long a waiting file task sleeps on its result channel when no pool job is runnable.
/// Results wake it at once; the timeout only bounds how late it notices new stealable work.
const IDLE_WAIT: Duration = Duration::from_millis(1);

/// No batch is stopped: no failure and no cancellation so far.
const NO_STOP: u64 = u64::MAX;

/// A run of consecutive packets and the track frame its first packet starts at.
struct Batch<'b> {
    first_frame: u64,
    packets: Vec<Packet>,
    /// The packets' bytes in the budget, given back when the batch has decoded.
    reserved: Reserved<'b>,
    /// Set for the file's own batch (one packet, paid by the file's floor).
    _own: Option<OwnBatch<'b>>,
}

/// The file's own batch place, taken while its own batch is read or decoding.
struct OwnBatch<'b>(&'b AtomicBool);

impl Drop for OwnBatch<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Where the next packet's bytes come from.
enum Room<'b> {
    Budget(Reserved<'b>),
    Own(OwnBatch<'b>),
}

/// A stream's last packet may decode to fewer frames than it states (CAF states whole
/// packets; the encoder's last frame is shorter). A batch whose last packet did so says
/// where; whether that packet was the stream's last is known once the file is read.
struct ShortEnd {
    /// The frame after the packet by its stated duration.
    stated_end: u64,
    shortfall: u64,
    at_frame: u64,
    error: DecodeError,
}

/// What a job sends back.
enum BatchOutcome {
    /// The batch's segments, and its last packet if it decoded short.
    Measured(Vec<Segment>, Option<ShortEnd>),
    /// The earliest failure in the batch, with its frame position.
    Failed(u64, DecodeError),
    /// Stopped because an earlier failure or a cancellation made its work moot.
    Stopped,
}

/// What every job of a file shares (borrowed for the scope of the file's decode).
struct JobShared<'c> {
    params: AudioCodecParameters,
    geometry: Geometry,
    channels: usize,
    layout: I32Layout,
    context: TrackContext,
    control: Control<'c>,
    budget: &'c MemoryBudget,
    needs: FileNeeds,
    /// Batches starting after this frame stop early (set by failures and cancellation).
    stop_after_frame: AtomicU64,
    /// Decoders (with their converters' scratch) not decoding now: the file task makes one
    /// per batch in flight, jobs take one and give it back, so buffers are allocated once
    /// per decoder, not per batch.
    spare_workers: Mutex<Vec<BatchWorker<'c>>>,
}

/// What a job decodes a batch with: a decoder, the converter whose scratch holds the
/// integer copy of its output, and their bytes in the budget.
struct BatchWorker<'c> {
    decoder: Box<dyn AudioDecoder>,
    converter: PcmConverter,
    reserved: Reserved<'c>,
    /// The reservation matches the buffers' real size (checked after the first decode).
    sized: bool,
}

impl<'c> JobShared<'c> {
    fn make_worker(&self, reserved: Reserved<'c>) -> Result<BatchWorker<'c>, DecodeError> {
        let decoder = symphonia::default::get_codecs()
            .make_audio_decoder(&self.params, &AudioDecoderOptions::default())
            .map_err(|error| self.context.internal(format!("decoder could not start: {error}")))?;
        Ok(self.worker(decoder, reserved))
    }

    fn worker(&self, decoder: Box<dyn AudioDecoder>, reserved: Reserved<'c>) -> BatchWorker<'c> {
        BatchWorker {
            decoder,
            converter: PcmConverter::new(self.layout),
            reserved,
            sized: false,
        }
    }

    fn take_worker(&self) -> Result<BatchWorker<'c>, DecodeError> {
        if let Some(worker) = self.spare_workers.lock().ok().and_then(|mut spare| spare.pop()) {
            return Ok(worker);
        }
        // Not reached: the file task makes a decoder for each batch in flight. Were it
        // reached, the decoder is counted all the same.
        let mut reserved = self.budget.none();
        reserved.grow_to(self.needs.decoder);
        self.make_worker(reserved)
    }

    fn return_worker(&self, worker: BatchWorker<'c>) {
        if let Ok(mut spare) = self.spare_workers.lock() {
            spare.push(worker);
        }
    }

    fn stop_after(&self, frame: u64) {
        self.stop_after_frame.fetch_min(frame, Ordering::Relaxed);
    }

    fn should_stop(&self, frame: u64) -> bool {
        self.control.is_cancelled() || frame > self.stop_after_frame.load(Ordering::Relaxed)
    }
}

/// `floor` is the file's reservation of one decoder and one packet (`FileNeeds::floor`).
pub(crate) fn decode_parallel<'c>(
    opened: &mut OpenedTrack<'_>,
    context: &TrackContext,
    analyzer_options: dr_core::Options,
    options: &DecodeOptions,
    control: Control<'c>,
    budget: &'c MemoryBudget,
    mut floor: Reserved<'c>,
) -> Result<Decoded, DecodeError> {
    let mut analyzer = Analyzer::with_options(opened.info.sample_rate, opened.info.channels, analyzer_options)
        .map_err(|error| context.analysis(error))?;
    let needs = FileNeeds::of(opened);
    let shared = JobShared {
        params: opened.params.clone(),
        geometry: analyzer.geometry(),
        channels: opened.info.channels,
        layout: opened.i32_layout,
        context: context.clone(),
        control,
        budget,
        needs,
        stop_after_frame: AtomicU64::new(NO_STOP),
        spare_workers: Mutex::new(Vec::new()),
    };
    // The decoder made while opening is the first spare; the floor pays for its buffers
    // and keeps one packet's bytes for the file's own batch.
    let mut workers = 0;
    if let TrackDecoder::Symphonia(decoder) = std::mem::replace(&mut opened.decoder, TrackDecoder::Released) {
        let reserved = floor.split_off(needs.decoder);
        shared.return_worker(shared.worker(decoder, reserved));
        workers = 1;
    }

    let batch_packets = batch_size(
        options.effective_batch_packets(),
        opened.info.declared_frames,
        opened.params.max_frames_per_packet,
    );
    // Each batch's share of the budget: twice the pool's threads of them fit.
    let batch_bytes = (budget.capacity() / (2 * rayon::current_num_threads().max(1) as u64)).max(1);
    let max_in_flight = options.effective_batches_in_flight();
    let mut packets = PacketStream::new(opened.reader.as_mut(), opened.track_id, context.clone(), true);
    let mut failure: Option<(u64, DecodeError)> = None;
    let mut frames = 0u64;
    let mut ended_mid_packet = false;
    let mut final_packet_shortfall = 0;
    // Reserved before each packet is read: the largest packet so far, at least the
    // largest the stream's parameters allow.
    let mut allowance = needs.packet;

    let own_batch_free = AtomicBool::new(true);
    rayon::in_place_scope(|scope| {
        let (sender, receiver) = mpsc::channel::<BatchOutcome>();
        let mut flight = Flight {
            merger: Merger {
                analyzer: &mut analyzer,
                failure: &mut failure,
                shared: &shared,
                short_ends: Vec::new(),
            },
            receiver,
            sender,
            in_flight: 0,
            workers,
        };
        // The batch being read, if any (always paid from the budget; the own batch leaves
        // as soon as its packet is read).
        let mut filling: Option<Batch<'_>> = None;

        loop {
            if shared.control.is_cancelled() {
                flight.merger.record(0, context.cancelled());
                break;
            }
            if flight.merger.failure.is_some() {
                break; // the earliest failure is already behind the packets still unread
            }
            // Room for the next packet before it is read: from the budget, else hand over
            // the batch being filled and, with nothing to hand over, use the file's own
            // batch or wait for a batch of the file's to finish.
            let room = loop {
                let may_start = filling.is_some() || flight.in_flight < max_in_flight;
                if may_start {
                    if let Some(reserved) = budget.try_take(allowance) {
                        break Room::Budget(reserved);
                    }
                }
                if let Some(batch) = filling.take() {
                    flight.dispatch(scope, batch);
                    continue;
                }
                if may_start && own_batch_free.swap(false, Ordering::Relaxed) {
                    break Room::Own(OwnBatch(&own_batch_free));
                }
                // Here a batch of the file's is in flight: its own, or `max_in_flight`.
                flight.wait_for_one();
            };
            let packet = match packets.next() {
                Ok(NextPacket::Packet(packet)) => packet,
                Ok(NextPacket::End) => break,
                Ok(NextPacket::EndMidPacket) => {
                    ended_mid_packet = true;
                    break;
                }
                Err(error) => {
                    flight.merger.record(frames, error);
                    break;
                }
            };
            let bytes = packet.data.len() as u64;
            allowance = allowance.max(bytes);
            let first_frame = frames;
            frames = frames.saturating_add(packet.dur.get());
            match room {
                Room::Budget(mut reserved) => {
                    reserved.settle(bytes);
                    let batch = filling.get_or_insert_with(|| Batch {
                        first_frame,
                        packets: Vec::with_capacity(batch_packets),
                        reserved: budget.none(),
                        _own: None,
                    });
                    batch.reserved.absorb(reserved);
                    batch.packets.push(packet);
                    if batch.packets.len() >= batch_packets || batch.reserved.bytes() >= batch_bytes {
                        if let Some(batch) = filling.take() {
                            flight.dispatch(scope, batch);
                        }
                    }
                }
                Room::Own(own) => {
                    // The floor holds one packet as large as the stream allows; a larger
                    // one (a damaged stream) is counted as it is.
                    floor.grow_to(bytes);
                    let batch = Batch {
                        first_frame,
                        packets: vec![packet],
                        reserved: budget.none(),
                        _own: Some(own),
                    };
                    flight.dispatch(scope, batch);
                }
            }
        }
        if let Some(batch) = filling.take() {
            flight.dispatch(scope, batch);
        }
        while flight.in_flight > 0 {
            flight.wait_for_one();
        }
        // Only the stream's last packet may decode short.
        for short in std::mem::take(&mut flight.merger.short_ends) {
            if short.stated_end == frames {
                final_packet_shortfall = short.shortfall.min(frames);
            } else {
                flight.merger.record(short.at_frame, short.error);
            }
        }
        frames -= final_packet_shortfall;
    });

    if let Some((_, error)) = failure {
        return Err(error);
    }
    let result = analyzer.finish().map_err(|error| context.analysis(error))?;
    Ok(Decoded {
        result,
        frames,
        warnings: Vec::new(),
        ended_mid_packet,
        final_packet_shortfall,
        packet_bytes: packets.bytes_read(),
    })
}

/// Batches per pool thread a file should yield at least, so that a short file still keeps
/// every thread busy (a 7 s FLAC has ~76 packets: one 64-packet batch would leave a 2-thread
/// pool half idle).
const MIN_BATCHES_PER_THREAD: u64 = 4;

/// The configured batch size, made smaller for files too short to fill the pool with it.
/// Any size gives bit-identical results; this only spreads the work.
fn batch_size(configured: usize, declared_frames: Option<u64>, frames_per_packet: Option<u64>) -> usize {
    let (Some(frames), Some(per_packet)) = (declared_frames, frames_per_packet.filter(|&n| n > 0)) else {
        return configured;
    };
    let packets = frames.div_ceil(per_packet);
    let wanted_batches = MIN_BATCHES_PER_THREAD * rayon::current_num_threads().max(1) as u64;
    let fitting = usize::try_from(packets / wanted_batches).unwrap_or(usize::MAX);
    configured.min(fitting).max(1)
}

/// The file task's side: merges what jobs send back and keeps the earliest failure.
struct Merger<'m, 'c> {
    analyzer: &'m mut Analyzer,
    failure: &'m mut Option<(u64, DecodeError)>,
    shared: &'m JobShared<'c>,
    /// Batches whose last packet decoded short, judged once the stream's end is known.
    short_ends: Vec<ShortEnd>,
}

impl Merger<'_, '_> {
    fn record(&mut self, at_frame: u64, error: DecodeError) {
        self.shared.stop_after(at_frame);
        let earlier = match self.failure {
            None => true,
            Some((existing, _)) => at_frame < *existing,
        };
        if earlier {
            *self.failure = Some((at_frame, error));
        }
    }

    fn merge(&mut self, outcome: BatchOutcome) {
        match outcome {
            BatchOutcome::Measured(segments, short_end) => {
                self.short_ends.extend(short_end);
                for segment in segments {
                    if let Err(error) = self.analyzer.merge(segment) {
                        let error = self.shared.context.analysis(error);
                        self.record(0, error);
                        return;
                    }
                }
            }
            BatchOutcome::Failed(at_frame, error) => self.record(at_frame, error),
            BatchOutcome::Stopped => {}
        }
    }
}

/// The file task's batches in flight: handing them to the pool and merging what comes back.
struct Flight<'m, 'c> {
    merger: Merger<'m, 'c>,
    receiver: Receiver<BatchOutcome>,
    sender: Sender<BatchOutcome>,
    /// Batches handed over and not merged yet.
    in_flight: usize,
    /// Decoders the file has made (each with its buffers reserved).
    workers: usize,
}

impl<'m, 'c> Flight<'m, 'c> {
    /// Hands a batch to the pool, with a decoder for it: one more is made (its buffers
    /// reserved) when every one the file has may be busy, else the file waits for one.
    fn dispatch<'s>(&mut self, scope: &rayon::Scope<'s>, batch: Batch<'s>)
    where
        'm: 's,
        'c: 's,
    {
        let shared: &'m JobShared<'c> = self.merger.shared;
        while self.in_flight >= self.workers {
            let reserved = match shared.budget.try_take(shared.needs.decoder) {
                Some(reserved) => reserved,
                // A decoder is made all the same when the file has none in flight to wait
                // for (none was made while opening).
                None if self.in_flight == 0 => {
                    let mut reserved = shared.budget.none();
                    reserved.grow_to(shared.needs.decoder);
                    reserved
                }
                None => {
                    self.wait_for_one();
                    continue;
                }
            };
            match shared.make_worker(reserved) {
                Ok(worker) => {
                    shared.return_worker(worker);
                    self.workers += 1;
                }
                Err(error) => {
                    self.merger.record(batch.first_frame, error);
                    return;
                }
            }
        }
        self.in_flight += 1;
        let sender = self.sender.clone();
        scope.spawn(move |_| {
            let first_frame = batch.first_frame;
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decode_batch(batch, shared)))
                .unwrap_or_else(|panic| {
                    BatchOutcome::Failed(
                        first_frame,
                        shared
                            .context
                            .internal(format!("the decoder crashed on this data: {}", panic_message(&panic))),
                    )
                });
            // The receiver outlives every job of the scope; a send cannot fail.
            let _ = sender.send(outcome);
        });
    }

    /// Waits for one batch's outcome and merges it.
    fn wait_for_one(&mut self) {
        loop {
            match self.receiver.try_recv() {
                Ok(outcome) => return self.merged(outcome),
                // Every job holds a sender clone until it has sent, and so does this.
                Err(TryRecvError::Disconnected) => return self.merged(BatchOutcome::Stopped),
                Err(TryRecvError::Empty) => {}
            }
            // Run pending pool work ourselves (our batches, or other files' work) instead of
            // blocking; only when nothing is runnable, sleep on the channel briefly.
            if rayon::yield_now() != Some(rayon::Yield::Executed) {
                match self.receiver.recv_timeout(IDLE_WAIT) {
                    Ok(outcome) => return self.merged(outcome),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return self.merged(BatchOutcome::Stopped),
                }
            }
        }
    }

    fn merged(&mut self, outcome: BatchOutcome) {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.merger.merge(outcome);
    }
}

/// A pool job: decodes a batch into one segment per packet. The batch's packets, and so
/// their bytes in the budget, are freed when it returns.
fn decode_batch(batch: Batch<'_>, shared: &JobShared<'_>) -> BatchOutcome {
    if shared.should_stop(batch.first_frame) {
        return BatchOutcome::Stopped;
    }
    let mut worker = match shared.take_worker() {
        Ok(worker) => worker,
        Err(error) => return BatchOutcome::Failed(batch.first_frame, error),
    };
    let outcome = decode_packets(&batch, &mut worker, shared);
    shared.return_worker(worker);
    outcome
}

fn decode_packets(batch: &Batch<'_>, worker: &mut BatchWorker<'_>, shared: &JobShared<'_>) -> BatchOutcome {
    let BatchWorker {
        decoder,
        converter,
        reserved,
        sized,
    } = worker;
    let context = &shared.context;
    let channels = shared.channels;
    let mut segments = Vec::with_capacity(batch.packets.len());
    let mut frame = batch.first_frame;
    let mut short_end = None;
    let last_index = batch.packets.len().saturating_sub(1);
    for (index, packet) in batch.packets.iter().enumerate() {
        if shared.should_stop(frame) {
            return BatchOutcome::Stopped;
        }
        let buffer = match decoder.decode(packet) {
            Ok(buffer) => buffer,
            Err(error) => return BatchOutcome::Failed(frame, context.decode_failure(frame, error)),
        };
        let decoded = buffer.frames() as u64;
        let stated = packet.dur.get();
        if decoded != stated {
            let detail = format!("decoded {decoded} frames where the stream says {stated}");
            let error = context.corrupt(frame, detail);
            if index != last_index || decoded > stated {
                return BatchOutcome::Failed(frame, error);
            }
            short_end = Some(ShortEnd {
                stated_end: frame + stated,
                shortfall: stated - decoded,
                at_frame: frame,
                error,
            });
        }
        let spec = buffer.spec();
        if spec.rate() != context.sample_rate {
            let detail = format!(
                "sample rate changes from {} Hz to {} Hz",
                context.sample_rate,
                spec.rate()
            );
            return BatchOutcome::Failed(frame, context.changed(frame, detail));
        }
        if buffer.num_planes() != channels {
            let detail = format!("channel count changes from {channels} to {}", buffer.num_planes());
            return BatchOutcome::Failed(frame, context.changed(frame, detail));
        }
        match converter.segment(&buffer, &shared.geometry, frame) {
            Some(Ok(segment)) => segments.push(segment),
            Some(Err(error)) => return BatchOutcome::Failed(frame, context.analysis(error)),
            None => {
                let detail = "float samples from a decoder expected to give integers";
                return BatchOutcome::Failed(frame, context.internal(detail));
            }
        }
        if !*sized {
            // Buffers larger than the stream's parameters said are counted as they are.
            reserved.grow_to((decoded_buffer_bytes(&buffer) + converter.scratch_bytes()) as u64);
            *sized = true;
        }
        frame += decoded;
        shared.control.frames_done(decoded);
    }
    BatchOutcome::Measured(segments, short_end)
}

/// The text of a caught panic, for the error that replaces it.
pub(crate) fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic".to_owned()
    }
}
