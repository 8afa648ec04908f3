//! Which excitation source lights each channel of ExtractionMetrics, so that intensity
//! and focus can be followed per laser: a laser that loses power dims its own channels
//! first, and each wavelength focuses on its own.
//!
//! Channel names come from RunInfo.xml `<ImageChannels>`; a legacy RunInfo.xml has none,
//! and the instrument's default order applies (FORMATS.md, as the official library does):
//! MiSeq and HiSeq A, C, G, T; NextSeq, MiniSeq and NovaSeq red, green. Four-colour
//! chemistry lights A and C with the red source and G and T with the green one (the two
//! pairs share an excitation source: DOMAIN.md, and the index-diversity rule for 4-colour
//! instruments). iSeq's channels "1" and "2" are one dye imaged twice: no per-laser figure.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Laser {
    Red,
    Green,
    Blue,
}

impl Laser {
    pub const ALL: [Laser; 3] = [Laser::Red, Laser::Green, Laser::Blue];

    pub fn index(self) -> usize {
        self as usize
    }

    fn of_channel(name: &str) -> Option<Laser> {
        match name.trim().to_ascii_lowercase().as_str() {
            "a" | "c" | "red" => Some(Laser::Red),
            "g" | "t" | "green" => Some(Laser::Green),
            "blue" => Some(Laser::Blue),
            _ => None,
        }
    }
}

/// The laser of each channel slot of the extraction file, in file order; `None` for a slot
/// no known source lights (or when the channels are unknown).
pub fn channel_lasers(channels: &[String], instrument_type: Option<&str>) -> Vec<Option<Laser>> {
    if !channels.is_empty() {
        return channels.iter().map(|c| Laser::of_channel(c)).collect();
    }
    let legacy: &[&str] = match instrument_type {
        Some("MiSeq" | "HiSeq" | "HiScan") => &["A", "C", "G", "T"],
        Some("NextSeq" | "MiniSeq" | "NovaSeq") => &["Red", "Green"],
        _ => &[],
    };
    legacy.iter().map(|c| Laser::of_channel(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_map_to_their_lasers() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        use Laser::*;
        assert_eq!(
            channel_lasers(&[], Some("MiSeq")),
            [Some(Red), Some(Red), Some(Green), Some(Green)]
        );
        assert_eq!(
            channel_lasers(&[], Some("NextSeq")),
            [Some(Red), Some(Green)]
        );
        assert_eq!(
            channel_lasers(&s(&["GREEN", "Red"]), None),
            [Some(Green), Some(Red)]
        );
        assert_eq!(
            channel_lasers(&s(&["Blue", "Green"]), None),
            [Some(Blue), Some(Green)]
        );
        assert_eq!(channel_lasers(&s(&["1", "2"]), None), [None, None]);
        assert!(channel_lasers(&[], Some("iSeq")).is_empty());
        assert!(channel_lasers(&[], None).is_empty());
    }
}
