//! The region as data: the ASEAN Member States with the date each joined, so membership is never
//! a constant (ten in 2016, eleven since Timor-Leste's admission on 26 October 2025).
//!
//! Facts from `../shared/REGION.md`; rows it marks unverified carry `verified: false` so an
//! org-admin knows to confirm them.

/// One Member State.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberState {
    /// ISO 3166-1 alpha-2, also the organisation's short name (`SG`).
    pub alpha2: &'static str,
    pub alpha3: &'static str,
    pub numeric: &'static str,
    pub name: &'static str,
    /// IANA time zones, the capital's first.
    pub time_zones: &'static [&'static str],
    /// The national cyber agency, where known.
    pub agency: &'static str,
    /// The national CERT, where known.
    pub cert: &'static str,
    /// Date of joining ASEAN (ISO 8601).
    pub member_since: &'static str,
    /// Whether the agency and CERT names were confirmed from a primary source.
    pub verified: bool,
}

/// Every Member State, in alphabetical order of alpha-2 code.
pub const MEMBER_STATES: [MemberState; 11] = [
    MemberState {
        alpha2: "BN",
        alpha3: "BRN",
        numeric: "096",
        name: "Brunei Darussalam",
        time_zones: &["Asia/Brunei"],
        agency: "Cyber Security Brunei (CSB)",
        cert: "BruCERT",
        member_since: "1984-01-07",
        verified: true,
    },
    MemberState {
        alpha2: "ID",
        alpha3: "IDN",
        numeric: "360",
        name: "Indonesia",
        time_zones: &["Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura"],
        agency: "Badan Siber dan Sandi Negara (BSSN)",
        cert: "Id-SIRTII/CC",
        member_since: "1967-08-08",
        verified: true,
    },
    MemberState {
        alpha2: "KH",
        alpha3: "KHM",
        numeric: "116",
        name: "Cambodia",
        time_zones: &["Asia/Phnom_Penh"],
        agency: "Ministry of Posts and Telecommunications",
        cert: "CamCERT",
        member_since: "1999-04-30",
        verified: false,
    },
    MemberState {
        alpha2: "LA",
        alpha3: "LAO",
        numeric: "418",
        name: "Lao PDR",
        time_zones: &["Asia/Vientiane"],
        agency: "Ministry of Posts and Telecommunications",
        cert: "LaoCERT",
        member_since: "1997-07-23",
        verified: false,
    },
    MemberState {
        alpha2: "MM",
        alpha3: "MMR",
        numeric: "104",
        name: "Myanmar",
        time_zones: &["Asia/Yangon"],
        agency: "National Cyber Security Centre, Ministry of Transport and Communications",
        cert: "mmCERT",
        member_since: "1997-07-23",
        verified: false,
    },
    MemberState {
        alpha2: "MY",
        alpha3: "MYS",
        numeric: "458",
        name: "Malaysia",
        time_zones: &["Asia/Kuala_Lumpur", "Asia/Kuching"],
        agency: "National Cyber Security Agency (NACSA)",
        cert: "MyCERT",
        member_since: "1967-08-08",
        verified: true,
    },
    MemberState {
        alpha2: "PH",
        alpha3: "PHL",
        numeric: "608",
        name: "Philippines",
        time_zones: &["Asia/Manila"],
        agency: "Department of Information and Communications Technology (DICT)",
        cert: "CERT-PH (NCERT)",
        member_since: "1967-08-08",
        verified: true,
    },
    MemberState {
        alpha2: "SG",
        alpha3: "SGP",
        numeric: "702",
        name: "Singapore",
        time_zones: &["Asia/Singapore"],
        agency: "Cyber Security Agency of Singapore (CSA)",
        cert: "SingCERT",
        member_since: "1967-08-08",
        verified: true,
    },
    MemberState {
        alpha2: "TH",
        alpha3: "THA",
        numeric: "764",
        name: "Thailand",
        time_zones: &["Asia/Bangkok"],
        agency: "National Cyber Security Agency (NCSA)",
        cert: "ThaiCERT",
        member_since: "1967-08-08",
        verified: true,
    },
    MemberState {
        alpha2: "TL",
        alpha3: "TLS",
        numeric: "626",
        name: "Timor-Leste",
        time_zones: &["Asia/Dili"],
        agency: "to be confirmed",
        cert: "to be confirmed",
        member_since: "2025-10-26",
        verified: false,
    },
    MemberState {
        alpha2: "VN",
        alpha3: "VNM",
        numeric: "704",
        name: "Viet Nam",
        time_zones: &["Asia/Ho_Chi_Minh"],
        agency: "Authority of Information Security (AIS)",
        cert: "VNCERT/CC",
        member_since: "1995-07-28",
        verified: false,
    },
];

/// The Member States on a date (`YYYY-MM-DD`): ten for the 2016 AMCC, eleven today.
pub fn member_states_on(date: &str) -> impl Iterator<Item = &'static MemberState> + '_ {
    MEMBER_STATES.iter().filter(move |m| m.member_since <= date)
}

/// The state with this alpha-2 code.
pub fn member_state(alpha2: &str) -> Option<&'static MemberState> {
    MEMBER_STATES.iter().find(|m| m.alpha2.eq_ignore_ascii_case(alpha2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_is_dated() {
        assert_eq!(member_states_on("2016-10-11").count(), 10);
        assert!(member_states_on("2016-10-11").all(|m| m.alpha2 != "TL"));
        assert_eq!(member_states_on("2026-11-29").count(), 11);
        assert_eq!(member_state("sg").map(|m| m.cert), Some("SingCERT"));
    }
}
