//! The config and decisions reader (cleave.toml): any bytes give a config or an error.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = planner::parse_config(text) {
        let _ = config.validate();
    }
    let _ = planner::parse_reference(text);
});
