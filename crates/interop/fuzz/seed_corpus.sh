#!/usr/bin/env bash
# Seed corpus/<target>/ from the real run folders in ../../../../shared/interop/runs:
# the binary targets get an 8-byte run-shape prefix (see src/lib.rs) that matches the
# folder's RunInfo.xml, then the first 8 KiB of its InterOp file; the XML targets get
# the folders' RunInfo.xml and RunParameters.xml.
set -euo pipefail
cd "$(dirname "$0")"
runs=../../../../shared/interop/runs
[ -d "$runs" ] || { echo "no $runs; starting from an empty corpus" >&2; exit 0; }

# folder : prefix bytes (lanes, reads, cycles r1..r4, read-2-index|channel, piece size)
shapes=(
  'illuminate_miseq_2013-04_16_2-index:\x01\x03\x97\x06\x97\x00\x80\xff'
  'illuminate_miseq_2013-04_10_has_errors:\x01\x03\x97\x06\x97\x00\x80\x07'
  'illuminate_miseq_2014-02_11_50kit_single_read:\x01\x02\x32\x06\x00\x00\x80\xff'
  'illuminate_nextseq500_160404_HW37NBGXX:\x04\x02\x51\x06\x00\x00\x80\x40'
  'illuminate_hiseq2500_140213_average_run:\x02\x03\x97\x07\x97\x00\x80\xff'
  'illuminate_hiseq2500_140213_frankendataset:\x02\x03\x97\x07\x97\x00\x80\x03'
)
declare -A file=([tile]=TileMetricsOut [q]=QMetricsOut [error_metrics]=ErrorMetricsOut [extraction]=ExtractionMetricsOut)
for target in "${!file[@]}"; do
  mkdir -p "corpus/$target"
  for shape in "${shapes[@]}"; do
    folder=${shape%%:*}
    src="$runs/$folder/InterOp/${file[$target]}.bin"
    [ -f "$src" ] || continue
    { printf "${shape#*:}"; head -c 8192 "$src"; } > "corpus/$target/$folder"
  done
done
# Versions the real folders lack (Q v5-v7, Tile v3, Error v4-v6, Extraction v3): small
# synthetic files laid out as in shared/interop/FORMATS.md, so the fuzzer starts there.
python3 - <<'PY'
import struct
pre = bytes([2, 3, 10, 4, 10, 0, 0x80, 0xff])  # 2 lanes, reads 10-4-10, read 2 index
def put(target, name, body):
    with open(f"corpus/{target}/{name}", "wb") as f:
        f.write(pre + body)
recs = [(lane, tile, cyc) for lane in (1, 2) for tile in (1101, 2101) for cyc in (1, 2, 10, 11, 15)]
# Q v5 (50 counts, bins picked), v6 (n counts), v7 (u32 tile, interleaved bins)
lo, up, val = [2, 18, 30], [17, 29, 40], [11, 25, 37]
hdr56 = bytes([1, 3] + lo + up + val)
put("q", "synthetic_v5", bytes([5, 206]) + hdr56 + b"".join(
    struct.pack("<3H", l, t, c) + struct.pack("<50I", *[(i * 7 + c) % 1000 for i in range(50)]) for l, t, c in recs))
put("q", "synthetic_v6", bytes([6, 18]) + hdr56 + b"".join(
    struct.pack("<3H3I", l, t, c, 100, 2000, 30000) for l, t, c in recs))
put("q", "synthetic_v7", bytes([7, 20, 1, 3]) + bytes(sum(([a, b, c] for a, b, c in zip(lo, up, val)), [])) + b"".join(
    struct.pack("<HIH3I", l, t, c, 100, 2000, 30000) for l, t, c in recs))
put("q", "synthetic_v7_unbinned", bytes([7, 208, 0]) + b"".join(
    struct.pack("<HIH", l, t, c) + struct.pack("<50I", *range(50)) for l, t, c in recs))
# QMetrics2030Out.bin: v2 with 18-byte records, v4 and v6 (bins) with the f32 median (22 bytes)
import os
os.makedirs("corpus/q_collapsed", exist_ok=True)
put("q_collapsed", "synthetic_v2", bytes([2, 18]) + b"".join(
    struct.pack("<3H3I", l, t, c, 900, 800, 1000) for l, t, c in recs))
put("q_collapsed", "synthetic_v4", bytes([4, 22]) + b"".join(
    struct.pack("<3H3If", l, t, c, 900, 800, 1000, 35.0) for l, t, c in recs))
put("q_collapsed", "synthetic_v6", bytes([6, 22]) + hdr56 + b"".join(
    struct.pack("<3H3If", l, t, c, 900, 800, 1000, 33.0) for l, t, c in recs))
# Tile v3: area, then 't' (count, pf), 'r' (read, % aligned) and '\0' padding records
tile = bytes([3, 15]) + struct.pack("<f", 1.3818)
for l, t in {(l, t) for l, t, _ in recs}:
    tile += struct.pack("<HIBff", l, t, 0x74, 2.5e6, 2.1e6)
    for r in (1, 2, 3):
        tile += struct.pack("<HIBIf", l, t, 0x72, r, 0.9)
    tile += bytes(15)
put("tile", "synthetic_v3", tile)
# Error v4, v5, v6 (two adapters of length 4)
put("error_metrics", "synthetic_v4", bytes([4, 12]) + b"".join(struct.pack("<HIHf", l, t, c, 0.3) for l, t, c in recs))
put("error_metrics", "synthetic_v5", bytes([5, 16]) + b"".join(struct.pack("<HIHff", l, t, c, 0.3, 0.01) for l, t, c in recs))
put("error_metrics", "synthetic_v6", bytes([6, 20]) + struct.pack("<HH", 2, 4) + b"ACGTTGCA" + b"".join(
    struct.pack("<HIHfff", l, t, c, 0.3, 0.01, 0.02) for l, t, c in recs))
# Extraction v3, two channels (NovaSeq layout: 20-byte records)
put("extraction", "synthetic_v3", bytes([3, 20, 2]) + b"".join(
    struct.pack("<HIHffHH", l, t, c, 2.7, 2.8, 900 + c, 800 + c) for l, t, c in recs))
PY
mkdir -p corpus/run_info_xml corpus/run_parameters_xml
for dir in "$runs"/*/; do
  folder=$(basename "$dir")
  cp "$dir/RunInfo.xml" "corpus/run_info_xml/$folder"
  for p in RunParameters.xml runParameters.xml; do
    [ -f "$dir/$p" ] && cp "$dir/$p" "corpus/run_parameters_xml/$folder"
  done
done
chmod -R u+w corpus
echo "seeded: $(for d in corpus/*; do echo -n "$(basename "$d")=$(ls "$d" | wc -l) "; done)"
