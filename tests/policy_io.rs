//! `pysbx exec --input/--output`: a JSON value in through `pysbx_io.input()`, a JSON value out
//! through `pysbx_io.output()`, and nothing but plain JSON crossing the boundary.

use crate::exec_support::{Scratch, run, stderr, stdout};

#[test]
fn json_goes_in_and_comes_out() {
    let s = Scratch::new();
    // The input file lives outside everything the program may read: only pysbx reads it.
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let input = elsewhere.path().join("in.json");
    let numbers = [3, 5, 8];
    std::fs::write(&input, serde_json::json!({"numbers": numbers, "name": "job-7"}).to_string())
        .expect("write input");
    let output = elsewhere.path().join("out.json");
    let script = s.write(
        "job.py",
        &format!(
            "import pysbx_io\n\
             v = pysbx_io.input()\n\
             v['numbers'].append(100)\n\
             w = pysbx_io.input()\n\
             try:\n    open({path:?}).read()\n    print('read the file')\n\
             except PermissionError:\n    print('file refused')\n\
             pysbx_io.output({{'sum': sum(w['numbers']), 'name': w['name'], 'first_len': len(v['numbers'])}})\n",
            path = input.display().to_string()
        ),
    );
    let out = run(s
        .exec()
        .arg("--no-gate")
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .arg(&script));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "file refused\n");
    let got: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&output).expect("output written"))
            .expect("JSON");
    // Each input() is a fresh copy: the append did not reach the second one.
    assert_eq!(got["sum"], numbers.iter().sum::<i32>());
    assert_eq!(got["name"], "job-7");
    assert_eq!(got["first_len"], numbers.len() + 1);
}

#[test]
fn only_json_values_leave_the_sandbox() {
    let s = Scratch::new();
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let output = elsewhere.path().join("out.json");
    let script = s.write(
        "leak.py",
        "import pysbx_io\n\
         for bad in ({1, 2}, float('nan'), object()):\n\
         \x20   try:\n        pysbx_io.output(bad)\n        print('sent', type(bad).__name__)\n\
         \x20   except (TypeError, ValueError) as e:\n        print('refused', type(bad).__name__)\n\
         try:\n    pysbx_io.input()\nexcept LookupError:\n    print('no input')\n",
    );
    let out = run(s.exec().arg("--no-gate").arg("--output").arg(&output).arg(&script));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "refused set\nrefused float\nrefused object\nno input\n");
    assert!(!output.exists(), "nothing valid was passed, so nothing is written");
    assert!(stderr(&out).contains("passed no value to pysbx_io.output"), "{}", stderr(&out));
}

#[test]
fn the_last_output_is_kept_as_written_and_forged_frames_are_not_queued() {
    let s = Scratch::new();
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let output = elsewhere.path().join("out.json");
    // Integers past 64 bits stay exact; values handed many times (through the guard's pipe
    // too, as frames written on it directly) leave one, the last.
    let script = s.write(
        "many.py",
        "import json, os, struct, pysbx_io\n\
         for i in range(3):\n    pysbx_io.output({'i': i})\n\
         blob = b'[' + b'0,' * 400000 + b'0]'\n\
         head = json.dumps({'t': 'output', 'blob': len(blob)}).encode()\n\
         for _ in range(50):\n\
         \x20   os.write(253, struct.pack('>I', len(head)) + head)\n\
         \x20   view = memoryview(blob)\n\
         \x20   while view:\n        view = view[os.write(253, view):]\n\
         pysbx_io.output({'n': 2**64 + 1, 'neg': -(2**70), 'last': True})\n\
         print('done')\n",
    );
    let out = run(s.exec().arg("--no-gate").arg("--output").arg(&output).arg(&script));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "done\n");
    let text = std::fs::read_to_string(&output).expect("output written");
    assert_eq!(
        text,
        "{\"n\":18446744073709551617,\"neg\":-1180591620717411303424,\"last\":true}\n"
    );
}

#[test]
fn output_is_json_every_parser_reads_alike() {
    let s = Scratch::new();
    let elsewhere = tempfile::tempdir().expect("tempdir");
    // Honest values: non-ASCII text leaves as UTF-8; a lone surrogate is refused in the program.
    let output = elsewhere.path().join("out.json");
    let script = s.write(
        "honest.py",
        "import pysbx_io\n\
         pysbx_io.output({'s': 'caf\\u00e9', 'e': '\\U0001F600'})\n\
         try:\n    pysbx_io.output({'s': '\\udcff'})\n    print('sent a surrogate')\n\
         except ValueError as e:\n    print('refused:', e)\n",
    );
    let out = run(s.exec().arg("--no-gate").arg("--output").arg(&output).arg(&script));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "refused: pysbx_io.output: a string holds a lone surrogate, not a character\n"
    );
    let text = std::fs::read_to_string(&output).expect("output written");
    assert_eq!(text, "{\"s\":\"caf\u{e9}\",\"e\":\"\u{1F600}\"}\n");
    // Values written on the guard's pipe directly (even ones no encoder makes and parsers read
    // differently, which pysbx would refuse anyway) are not believed: the guard's record carries
    // its secret, a forged one does not, and the honest value stays the last.
    for (n, (forged, why)) in [
        (r#"{"a":1,"a":2}"#, "appears twice"),
        (r#"{"x":1e999999}"#, "double's range"),
        (r#"["\ud800"]"#, "hex escape"),
    ]
    .into_iter()
    .enumerate()
    {
        let output = elsewhere.path().join(format!("forged{n}.json"));
        let script = s.write(
            &format!("forged{n}.py"),
            &format!(
                "import json, os, struct, pysbx_io\n\
                 pysbx_io.output({{'honest': True}})\n\
                 blob = {forged:?}.encode()\n\
                 head = json.dumps({{'t': 'output', 'blob': len(blob)}}).encode()\n\
                 os.write(253, struct.pack('>I', len(head)) + head + blob)\n\
                 print('forged')\n"
            ),
        );
        let out = run(s.exec().arg("--no-gate").arg("--output").arg(&output).arg(&script));
        assert_eq!(out.status.code(), Some(0), "{forged}: {}", stderr(&out));
        assert_eq!(stdout(&out), "forged\n", "{forged}");
        let text = std::fs::read_to_string(&output).expect("the honest value is written");
        assert_eq!(text, "{\"honest\":true}\n", "{forged}");
        assert!(!stderr(&out).contains(why), "{forged}: {}", stderr(&out));
    }
    // Deep nesting and integers of any length, as Python's encoder writes them, pass.
    let output = elsewhere.path().join("deep.json");
    let script = s.write(
        "deep.py",
        "import pysbx_io
v = 10 ** 400
for _ in range(300):
    v = [v]
pysbx_io.output(v)
",
    );
    let out = run(s.exec().arg("--no-gate").arg("--output").arg(&output).arg(&script));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&output).expect("output written");
    assert_eq!(text, format!("{}1{}\n", "[".repeat(300), "0".repeat(400) + &"]".repeat(300)));
}

#[test]
fn links_the_program_leaves_in_its_working_directory_are_not_written_through() {
    // The output, events and learned-policy files are written after the run, often into the
    // working directory the program could write: a link it put in a file's place, or in a
    // directory's, had pysbx (as root) write the file the link named, outside every path the
    // policy grants. They are pinned before the run and renamed over, never followed.
    let s = Scratch::new();
    // In the script's directory, which the program may read but not write: a link to a file
    // there is one the guard lets the program make.
    let canary = s.write("canary.sh", "original\n");
    let elsewhere = s.path().join("dir");
    std::fs::create_dir(&elsewhere).expect("dir");
    std::fs::create_dir_all(s.path().join("wd/sub")).expect("workdir");
    let policy = s.write("policy.yaml", "fs:\n  workdir: ./wd\n");
    let script = s.write(
        "plant.py",
        &format!(
            "import os, shutil, pysbx_io\n\
             os.symlink({canary:?}, 'result.json')\n\
             shutil.rmtree('sub')\n\
             os.symlink({elsewhere:?}, 'sub')\n\
             pysbx_io.output(['$(id)'])\n\
             print('planted')\n",
            canary = canary.display().to_string(),
            elsewhere = elsewhere.display().to_string(),
        ),
    );
    let out = run(s
        .exec()
        .arg("--no-gate")
        .arg("--policy")
        .arg(&policy)
        .arg("--output")
        .arg(s.path().join("wd/result.json"))
        .arg("--events")
        .arg(s.path().join("wd/sub/events.jsonl"))
        .arg(&script));
    assert_eq!(stdout(&out), "planted\n", "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&canary).expect("canary"), "original\n");
    assert_eq!(std::fs::read_dir(&elsewhere).expect("dir").count(), 0);
    // The output went to the name itself, the link replaced by the file.
    let written = s.path().join("wd/result.json");
    assert!(!std::fs::symlink_metadata(&written).expect("written").file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(&written).expect("output"), "[\"$(id)\"]\n");
    assert!(stderr(&out).contains("events not written"), "{}", stderr(&out));
}

#[test]
fn an_output_file_in_a_directory_that_cannot_exist_is_refused_before_the_run() {
    let s = Scratch::new();
    let script = s.write("ran.py", "print('ran')\n");
    let out = run(s.exec().arg("--output").arg("/etc/hostname/out.json").arg(&script));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("the output file /etc/hostname/out.json cannot be written"),
        "{}",
        stderr(&out)
    );
}
