//! What a case is: its kind and where it came from.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// 假冒专利
    Counterfeiting,
    /// 专利侵权纠纷
    InfringementDispute,
    /// 专利标识不规范
    IrregularMarking,
    /// 其他专利纠纷, handled by mediation
    OtherDispute,
    /// 冒充专利: only as a legacy value from imports (the 2008 law merged it into counterfeiting).
    PassingOff,
}

impl CaseKind {
    pub const ALL: [CaseKind; 5] = [
        CaseKind::Counterfeiting,
        CaseKind::InfringementDispute,
        CaseKind::IrregularMarking,
        CaseKind::OtherDispute,
        CaseKind::PassingOff,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Counterfeiting => "counterfeiting",
            CaseKind::InfringementDispute => "infringement_dispute",
            CaseKind::IrregularMarking => "irregular_marking",
            CaseKind::OtherDispute => "other_dispute",
            CaseKind::PassingOff => "passing_off",
        }
    }

    pub fn parse(raw: &str) -> Option<CaseKind> {
        CaseKind::ALL.into_iter().find(|k| k.as_str() == raw.trim())
    }

    /// Kinds a new case may take (冒充专利 only comes from old ledgers).
    pub fn for_new_cases(self) -> bool {
        self != CaseKind::PassingOff
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Inspection,
    /// 投诉举报
    Complaint,
    /// 其他部门移送
    Referral,
    /// 网络监测
    Online,
    Other,
}

impl Source {
    pub const ALL: [Source; 5] = [
        Source::Inspection,
        Source::Complaint,
        Source::Referral,
        Source::Online,
        Source::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Inspection => "inspection",
            Source::Complaint => "complaint",
            Source::Referral => "referral",
            Source::Online => "online",
            Source::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.as_str() == raw.trim())
    }
}
