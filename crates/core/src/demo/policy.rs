//! The demo region's policy-level records: norm assessments by several states over two periods,
//! capacity-building programmes and needs (with at least one gap and one overlap), and the
//! inaugural AMCC of 11 October 2016 with its six decisions (REGION.md), the TELMIN that took up
//! decision 4, the 3rd AMCC and a fictional 2026 senior officials' meeting. Written through the
//! same services the REST API calls. Programmes, needs, assessments and the 2026 meeting are
//! illustrative and say so; the 2016 decisions are the press release's, re-typed.

use super::DemoError;
use crate::coordination::capacity::{NewNeed, NewProgramme};
use crate::coordination::meetings::{Document, NewDecision, NewDecisionStatus, NewMeeting};
use crate::coordination::norms::{NORMS, NewAssessment};
use crate::node::Node;
use crate::org::{Principal, Role};

async fn analyst(node: &Node, short: &str) -> Result<Principal, DemoError> {
    let org = node
        .organisation(short)
        .await?
        .ok_or_else(|| DemoError::Intel(format!("demo organisation {short} is missing")))?;
    Ok(Principal { org, role: Role::Analyst, username: None, token_id: None })
}

/// Seeds norms assessments, capacity building, meetings and decisions.
pub(super) async fn seed(node: &Node) -> Result<(), DemoError> {
    seed_norms(node).await?;
    seed_capacity(node).await?;
    seed_meetings(node).await
}

/// The states that report, and how far along each is (a higher step, more implemented).
const REPORTING: [(&str, usize); 6] = [("SG", 7), ("MY", 6), ("TH", 5), ("ID", 4), ("PH", 3), ("VN", 2)];

/// A status for norm `i` of a state at `step` in 2025: deterministic and varied.
fn demo_status(i: usize, step: usize) -> &'static str {
    match (i * 3 + step) % 9 {
        0 | 1 => "not-started",
        2..=4 => "in-progress",
        8 if i == 5 => "not-applicable",
        _ => "implemented",
    }
}

/// The same norm a year later: never worse, and about half of what was under way is done.
fn demo_status_later(i: usize, step: usize) -> &'static str {
    match demo_status(i, step) {
        "not-started" => "in-progress",
        "in-progress" if (i + step).is_multiple_of(2) => "implemented",
        same => same,
    }
}

async fn seed_norms(node: &Node) -> Result<(), DemoError> {
    for (state, step) in REPORTING {
        let by = analyst(node, state).await?;
        for period in ["2025", "2026"] {
            for (i, norm) in NORMS.iter().enumerate() {
                let new = NewAssessment {
                    member_state: state.to_owned(),
                    norm: norm.letter.to_owned(),
                    item: None,
                    status: if period == "2025" { demo_status(i, step) } else { demo_status_later(i, step) }
                        .to_owned(),
                    period: period.to_owned(),
                    evidence: Some(format!("Illustrative demo assessment ({state}, {period})")),
                    tlp: None,
                };
                node.record_norm_assessment(&by, &new).await?;
            }
        }
    }
    // Timor-Leste, the newest member, reports on two checklist items of norm (d) only.
    let tl = analyst(node, "TL").await?;
    for (item, status) in [("d.1", "in-progress"), ("d.2", "not-started")] {
        let new = NewAssessment {
            member_state: "TL".to_owned(),
            norm: "d".to_owned(),
            item: Some(item.to_owned()),
            status: status.to_owned(),
            period: "2026".to_owned(),
            evidence: Some("Illustrative demo assessment (TL, 2026)".to_owned()),
            tlp: None,
        };
        node.record_norm_assessment(&tl, &new).await?;
    }
    Ok(())
}

const ALL: [&str; 11] = ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN", "TL"];

struct DemoProgramme {
    by: &'static str,
    title: &'static str,
    themes: &'static [&'static str],
    states: &'static [&'static str],
    start: &'static str,
    end: Option<&'static str>,
    status: &'static str,
}

/// Illustrative programmes: (2) overlaps (1) for KH, LA, MM and TL from June 2026 to June 2028
/// (dates far enough ahead that the demo's gaps and overlaps hold for a while).
const PROGRAMMES: [DemoProgramme; 5] = [
    DemoProgramme {
        by: "SG",
        title: "CERT operations course (demo)",
        themes: &["incident-management-and-cip"],
        states: &ALL,
        start: "2026-01-15",
        end: Some("2028-12-15"),
        status: "ongoing",
    },
    DemoProgramme {
        by: "JP",
        title: "Incident response exercises (demo)",
        themes: &["incident-management-and-cip"],
        states: &["KH", "LA", "MM", "TL"],
        start: "2026-06-01",
        end: Some("2028-06-30"),
        status: "ongoing",
    },
    DemoProgramme {
        by: "MY",
        title: "Cybercrime investigators' training (demo)",
        themes: &["cybercrime"],
        states: &["BN", "KH", "LA"],
        start: "2025-03-01",
        end: None,
        status: "ongoing",
    },
    DemoProgramme {
        by: "JP",
        title: "Standards workshop (demo)",
        themes: &["standards"],
        states: &["VN", "PH"],
        start: "2024-01-01",
        end: Some("2024-12-31"),
        status: "completed",
    },
    DemoProgramme {
        by: "SG",
        title: "Cyber policy fellowship (demo)",
        themes: &["policy-and-strategy"],
        states: &ALL,
        start: "2029-03-01",
        end: Some("2029-03-14"),
        status: "planned",
    },
];

/// Illustrative needs: VN standards, TL skills and PH cybercrime are gaps; MM's policy need is
/// met by a planned programme.
const NEEDS: [(&str, &str, &str); 6] = [
    ("KH", "cybercrime", "high"),
    ("LA", "incident-management-and-cip", "high"),
    ("VN", "standards", "medium"),
    ("TL", "culture-and-skills", "high"),
    ("MM", "policy-and-strategy", "medium"),
    ("PH", "cybercrime", "medium"),
];

async fn seed_capacity(node: &Node) -> Result<(), DemoError> {
    let list = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    for p in &PROGRAMMES {
        let by = analyst(node, p.by).await?;
        let new = NewProgramme {
            title: p.title.to_owned(),
            themes: list(p.themes),
            providers: vec![by.org.name.clone()],
            funders: vec![by.org.name.clone()],
            beneficiary_states: list(p.states),
            format: Some("hybrid".to_owned()),
            start: p.start.to_owned(),
            end: p.end.map(str::to_owned),
            seats: Some(30),
            status: p.status.to_owned(),
            source: Some("https://example.org/demo-programme".to_owned()),
        };
        node.create_programme(&by, &new).await?;
    }
    for (state, theme, priority) in NEEDS {
        let by = analyst(node, state).await?;
        let new = NewNeed {
            member_state: state.to_owned(),
            theme: theme.to_owned(),
            priority: priority.to_owned(),
            description: Some("Illustrative demo need".to_owned()),
        };
        node.create_need(&by, &new).await?;
    }
    Ok(())
}

fn meeting(
    series: &str,
    number: u32,
    date: &str,
    venue: &str,
    chair: Option<&str>,
    note: &str,
) -> NewMeeting {
    NewMeeting {
        series: series.to_owned(),
        number,
        date: date.to_owned(),
        venue: Some(venue.to_owned()),
        chair: chair.map(str::to_owned),
        participating_states: None,
        documents: vec![Document { title: note.to_owned(), url: None }],
    }
}

fn decision(
    meeting: &str,
    number: u32,
    kind: &str,
    text: &str,
    owner: Option<&str>,
    due: Option<&str>,
) -> NewDecision {
    NewDecision {
        meeting: meeting.to_owned(),
        number,
        text: text.to_owned(),
        kind: kind.to_owned(),
        owner: owner.map(str::to_owned),
        due: due.map(str::to_owned),
        carries_over: None,
        closes: Vec::new(),
    }
}

/// The six decisions of the inaugural AMCC (CSA press release, 11 October 2016).
const AMCC_2016: [(&str, &str, Option<&str>, Option<&str>); 6] = [
    ("agree", "Closer cybersecurity cooperation among ASEAN Member States.", None, None),
    ("agree", "Stronger coordination of regional cybersecurity capacity-building initiatives.", None, None),
    (
        "agree",
        "Strengthened ASEAN discussions focused on cybersecurity at Ministerial and Senior Official level.",
        None,
        None,
    ),
    (
        "task",
        "Identify an appropriate ASEAN platform for regional cybersecurity strategy and cooperation: the annual TELMIN to consider and recommend a platform and approach for ASEAN Leaders' consideration.",
        Some("TELMIN"),
        Some("2016-11-30"),
    ),
    ("agree", "Develop a set of practical cybersecurity norms of behaviour in ASEAN.", None, None),
    (
        "agree",
        "Singapore to host the second AMCC at the Singapore International Cyber Week, September 2017.",
        Some("SG"),
        Some("2017-09-30"),
    ),
];

async fn seed_meetings(node: &Node) -> Result<(), DemoError> {
    let asean = analyst(node, "ASEAN").await?;
    let amcc = node
        .create_meeting(
            &asean,
            &meeting(
                "AMCC",
                1,
                "2016-10-11",
                "Shangri-La Hotel Singapore",
                Some("Dr Yaacob Ibrahim, Minister for Communications and Information, Singapore"),
                "CSA press release, 11 October 2016",
            ),
        )
        .await?;
    let mut ids = Vec::new();
    for (i, (kind, text, owner, due)) in AMCC_2016.iter().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        ids.push(
            node.create_decision(&asean, &decision(&amcc.id, number, kind, text, *owner, *due)).await?.id,
        );
    }
    let status =
        |s: &str, reason: &str| NewDecisionStatus { status: s.to_owned(), reason: Some(reason.to_owned()) };
    node.set_decision_status(&asean, &ids[0], &status("in-progress", "Standing cooperation")).await?;
    node.set_decision_status(
        &asean,
        &ids[1],
        &status("in-progress", "Tracked in the capacity-building registry"),
    )
    .await?;
    node.set_decision_status(&asean, &ids[2], &status("closed", "AMCC held annually since")).await?;
    let sg = analyst(node, "SG").await?;
    node.set_decision_status(
        &sg,
        &ids[5],
        &status("closed", "The second AMCC was held at SICW in September 2017"),
    )
    .await?;

    let telmin = node
        .create_meeting(
            &asean,
            &meeting(
                "TELMIN",
                16,
                "2016-11-25",
                "Brunei Darussalam",
                None,
                "Demo record: the day of the month is not verified",
            ),
        )
        .await?;
    let mut platform = decision(
        &telmin.id,
        1,
        "recommend",
        "Considered AMCC decision 4 and recommended a platform and approach for ASEAN Leaders' consideration (demo wording).",
        None,
        None,
    );
    platform.closes = vec![ids[3].clone()];
    node.create_decision(&asean, &platform).await?;

    let amcc3 = node
        .create_meeting(
            &asean,
            &meeting(
                "AMCC",
                3,
                "2018-09-19",
                "Singapore",
                None,
                "Demo record: the day of the month is not verified",
            ),
        )
        .await?;
    let subscribe = decision(
        &amcc3.id,
        1,
        "agree",
        "Subscribed in principle to the eleven UN GGE 2015 norms.",
        None,
        None,
    );
    node.create_decision(&asean, &subscribe).await?;
    let mut practical = decision(
        &amcc3.id,
        2,
        "task",
        "Identify a concrete list of voluntary, practical norms for ASEAN (carries over AMCC 2016 decision 5).",
        Some("ADGSOM"),
        Some("2019-09-30"),
    );
    practical.carries_over = Some(ids[4].clone());
    node.create_decision(&asean, &practical).await?;

    let som = node
        .create_meeting(
            &asean,
            &meeting("ADGSOM", 7, "2026-06-15", "Jakarta (fictional)", None, "Fictional demo meeting"),
        )
        .await?;
    let review = decision(
        &som.id,
        1,
        "task",
        "Review the norms matrix and report progress to ministers (fictional).",
        Some("ASEAN"),
        Some("2026-10-31"),
    );
    node.create_decision(&asean, &review).await?;
    let gaps = decision(
        &som.id,
        2,
        "task",
        "Propose programmes for the capacity-building gaps (fictional).",
        Some("CYBER-CC"),
        Some("2027-03-31"),
    );
    node.create_decision(&asean, &gaps).await?;
    Ok(())
}
