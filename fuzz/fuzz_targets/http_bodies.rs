//! Fuzz target: any bytes as the body of each HTTP operation that takes one: the JSON
//! of a meeting, a suggestion request and an answer (`node::http::json_body`), and an
//! `.ics` import (`node::http::import::read_calendar`). The first byte picks which.
//! Nothing may panic; every refusal is a 4xx problem.
#![no_main]

use axum::http::{header, HeaderMap, HeaderValue};
use engine::ids::ResourceId;
use engine::office::Directory;
use libfuzzer_sys::fuzz_target;
use node::http::model::{MeetingIn, ResponseIn, SuggestIn};
use node::http::{import::read_calendar, json_body, problem::Problem};
use std::sync::OnceLock;

fn directory() -> &'static Directory {
    static DIR: OnceLock<Directory> = OnceLock::new();
    DIR.get_or_init(|| node::sample::parse_directory(node::sample::SAMPLE_OFFICES).unwrap())
}

fn refused_well(r: Result<(), Problem>) {
    if let Err(p) = r {
        assert!((400..500).contains(&p.status), "{p:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let mut json = HeaderMap::new();
    json.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    refused_well(match which % 4 {
        0 => json_body::<MeetingIn>(&json, body).map(drop),
        1 => json_body::<SuggestIn>(&json, body).map(drop),
        2 => json_body::<ResponseIn>(&json, body).map(drop),
        _ => read_calendar(directory(), &ResourceId::new("alice"), body).map(drop),
    });
});
