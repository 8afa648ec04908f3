//! The demo fleet: two labs and fourteen instruments of four models, each with the story
//! the simulator tells about it (a drift, a bad lot, a software upgrade, a failing part).

/// The instrument models of the demo fleet (the simulator knows their runs and software).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Model {
    MiSeq,
    NextSeq550,
    NextSeq2000,
    NovaSeq6000,
}

impl Model {
    pub fn name(self) -> &'static str {
        match self {
            Model::MiSeq => "MiSeq",
            Model::NextSeq550 => "NextSeq 550",
            Model::NextSeq2000 => "NextSeq 2000",
            Model::NovaSeq6000 => "NovaSeq 6000",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoLab {
    pub key: &'static str,
    pub name: &'static str,
    pub time_zone: &'static str,
}

pub const DEMO_LABS: [DemoLab; 2] = [
    DemoLab {
        key: "northgate",
        name: "Northgate Genomics Core",
        time_zone: "Europe/London",
    },
    DemoLab {
        key: "riverside",
        name: "Riverside Clinical Sequencing",
        time_zone: "America/Chicago",
    },
];

/// Faults and events the simulator injects; the health engine should find them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Story {
    /// Nothing wrong.
    Healthy,
    /// Laser output decays over the year, and %≥Q30 with it (optical warning by the end).
    LaserDecay,
    /// Fluidics line pressure creeps up with bubble events (a clogging line).
    PressureDrift,
    /// The reagent chiller has lost regulation in the last days (thermal critical).
    ChillerFailing,
    /// The XY stage's position error grows (mechanical warning).
    StageWear,
    /// The laser dims slowly: still within its band at the end, heading for it about six
    /// weeks later (an upcoming replacement, not an overdue one).
    LaserDimming,
    /// The fluidics pump wears: line pressure creeping up, still within its band at the
    /// end, reaching it about three weeks later.
    PumpWear,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemoInstrument {
    pub lab: &'static str,
    pub serial: &'static str,
    pub model: Model,
    pub nickname: &'static str,
    pub site: &'static str,
    pub story: Story,
}

const fn inst(
    lab: &'static str,
    serial: &'static str,
    model: Model,
    nickname: &'static str,
    site: &'static str,
    story: Story,
) -> DemoInstrument {
    DemoInstrument {
        lab,
        serial,
        model,
        nickname,
        site,
        story,
    }
}

pub const DEMO_FLEET: [DemoInstrument; 14] = [
    inst(
        "northgate",
        "M04210",
        Model::MiSeq,
        "Mira",
        "Building A, room 2.14",
        Story::Healthy,
    ),
    inst(
        "northgate",
        "M05833",
        Model::MiSeq,
        "Milo",
        "Building A, room 2.14",
        Story::Healthy,
    ),
    inst(
        "northgate",
        "NB551470",
        Model::NextSeq550,
        "Nova Scotia",
        "Building A, room 2.16",
        Story::Healthy,
    ),
    inst(
        "northgate",
        "NB552091",
        Model::NextSeq550,
        "Nimbus",
        "Building A, room 2.16",
        Story::ChillerFailing,
    ),
    inst(
        "northgate",
        "VH00412",
        Model::NextSeq2000,
        "Vega",
        "Building B, core lab",
        Story::Healthy,
    ),
    inst(
        "northgate",
        "VH00788",
        Model::NextSeq2000,
        "Vesta",
        "Building B, core lab",
        Story::LaserDimming,
    ),
    inst(
        "northgate",
        "A00317",
        Model::NovaSeq6000,
        "Atlas",
        "Building B, core lab",
        Story::LaserDecay,
    ),
    inst(
        "northgate",
        "A01124",
        Model::NovaSeq6000,
        "Aurora",
        "Building B, core lab",
        Story::Healthy,
    ),
    inst(
        "riverside",
        "M03302",
        Model::MiSeq,
        "Rio",
        "Molecular pathology",
        Story::PressureDrift,
    ),
    inst(
        "riverside",
        "M06617",
        Model::MiSeq,
        "Reed",
        "Molecular pathology",
        Story::Healthy,
    ),
    inst(
        "riverside",
        "NB501988",
        Model::NextSeq550,
        "Ridge",
        "Molecular pathology",
        Story::Healthy,
    ),
    inst(
        "riverside",
        "VH01507",
        Model::NextSeq2000,
        "Raven",
        "Genomics suite",
        Story::PumpWear,
    ),
    inst(
        "riverside",
        "VH01939",
        Model::NextSeq2000,
        "Rowan",
        "Genomics suite",
        Story::Healthy,
    ),
    inst(
        "riverside",
        "A02250",
        Model::NovaSeq6000,
        "Redwood",
        "Genomics suite",
        Story::StageWear,
    ),
];

pub fn lab(key: &str) -> Option<&'static DemoLab> {
    DEMO_LABS.iter().find(|l| l.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn fleet_meets_the_demo_brief() {
        assert!(DEMO_FLEET.len() >= 12);
        let models: HashSet<_> = DEMO_FLEET.iter().map(|i| i.model).collect();
        assert!(models.len() >= 4);
        let serials: HashSet<_> = DEMO_FLEET.iter().map(|i| i.serial).collect();
        assert_eq!(serials.len(), DEMO_FLEET.len(), "serials are unique");
        assert!(DEMO_FLEET.iter().all(|i| lab(i.lab).is_some()));
        for l in DEMO_LABS {
            assert!(DEMO_FLEET.iter().any(|i| i.lab == l.key));
        }
    }
}
