"""Dockerfile parser: what each construct parses to, and where errors point."""

from __future__ import annotations

import pytest

from runtime.errors import ImageError
from runtime.images import dockerfile as df
from runtime.images.dockerfile import DockerfileError, parse_dockerfile


def only(text: str) -> df.Instruction:
    instructions = parse_dockerfile(text).instructions
    assert len(instructions) == 1
    return instructions[0]


def test_instructions_are_case_insensitive_and_carry_their_line():
    parsed = parse_dockerfile("\n# a comment\nfrom alpine\n\n  run echo hi\n")
    assert [(i.keyword, i.line) for i in parsed.instructions] == [("FROM", 3), ("RUN", 5)]
    assert isinstance(parsed.instructions[1], df.Run)


def test_comment_lines_inside_a_continuation_are_dropped():
    run = only("RUN apt-get update \\\n# comment\n    && apt-get install -y x\n")
    assert run.command == ("apt-get update     && apt-get install -y x",)
    assert (run.line, run.end_line) == (1, 3)


def test_empty_continuation_lines_are_skipped():
    run = only("RUN a \\\n\n   \n  b\n")
    assert run.command == ("a   b",)


def test_backslash_with_trailing_spaces_still_continues():
    assert only("RUN a \\   \n b").command == ("a  b",)


def test_escape_directive_makes_backtick_the_continuation_character():
    parsed = parse_dockerfile("# escape=`\nFROM w\nRUN dir c:\\ `\n  /b\n")
    assert parsed.escape == "`"
    assert parsed.instructions[1].command == ("dir c:\\   /b",)


def test_directives_only_count_at_the_top():
    parsed = parse_dockerfile("# syntax=docker/dockerfile:1.4\n# escape=\\\nFROM a\n# escape=`\nRUN x `\n")
    assert parsed.syntax == "docker/dockerfile:1.4"
    assert parsed.escape == "\\"
    assert parsed.instructions[1].command == ("x `",)


def test_directives_stop_at_the_first_other_line():
    parsed = parse_dockerfile("# hello\n# escape=`\nFROM a\n")
    assert parsed.escape == "\\" and parsed.directives == ()


def test_check_directive_is_recorded_and_repeats_are_errors():
    assert dict(parse_dockerfile("# check=skip=all\nFROM a\n").directives) == {"check": "skip=all"}
    with pytest.raises(DockerfileError, match="Dockerfile:2: only one syntax parser directive"):
        parse_dockerfile("# syntax=a\n# syntax=b\nFROM a\n")


def test_json_form_and_shell_form():
    assert only('CMD ["npm", "start"]').command == ("npm", "start")
    assert only('CMD ["npm", "start"]').exec_form
    shell = only("CMD npm start")
    assert (shell.command, shell.exec_form) == (("npm start",), False)


def test_invalid_json_falls_back_to_shell_form():
    cmd = only("CMD [npm, start]")
    assert (cmd.command, cmd.exec_form) == (("[npm, start]",), False)


def test_from_with_stage_name_and_platform_flag():
    instr = only("FROM --platform=$BUILDPLATFORM python:3.10 AS Builder")
    assert (instr.image, instr.stage_name, instr.flag("platform")) == ("python:3.10", "builder", "$BUILDPLATFORM")


def test_from_with_two_words_is_an_error():
    with pytest.raises(DockerfileError, match="Dockerfile:1: FROM requires either one or three arguments"):
        parse_dockerfile("FROM a b")


def test_copy_flags_and_sources():
    copy = only("COPY --from=build --chown=app:app --chmod=644 --link a b /dst/")
    assert copy.flags == (("from", "build"), ("chown", "app:app"), ("chmod", "644"), ("link", None))
    assert copy.bool_flag("link") and (copy.sources, copy.dest) == (("a", "b"), "/dst/")


def test_copy_json_form_allows_spaces():
    copy = only('COPY ["my file", "/dst dir/"]')
    assert (copy.sources, copy.dest) == (("my file",), "/dst dir/")


def test_run_mounts_network_and_repeated_flags():
    run = only("RUN --mount=type=cache,target=/root/.cache --mount=type=bind,source=x,target=/x "
               "--network=none make")
    assert run.flag_values("mount") == ("type=cache,target=/root/.cache", "type=bind,source=x,target=/x")
    assert run.flag("network") == "none" and run.command == ("make",)


def test_unknown_flags_name_the_ones_allowed():
    with pytest.raises(DockerfileError, match="unknown flag --form for COPY: COPY accepts --from"):
        parse_dockerfile("FROM a\nCOPY --form=x a b")


def test_value_flags_need_a_value():
    with pytest.raises(DockerfileError, match="--from needs a value"):
        parse_dockerfile("COPY --from a b")


def test_unknown_instruction_is_an_error_with_its_line():
    with pytest.raises(DockerfileError) as info:
        parse_dockerfile("FROM a\n\nRUNN x\n")
    assert info.value.line == 3 and "unknown instruction: RUNN" in str(info.value)
    assert isinstance(info.value, ImageError)


def test_heredoc_run_body_and_lines():
    run = only("RUN <<EOF\napk update\napk add git\nEOF\n")
    assert run.heredocs == (df.Heredoc(name="EOF", content="apk update\napk add git\n", expand=True),)
    assert (run.line, run.end_line) == (1, 4)


def test_heredoc_with_command_after_the_marker():
    run = only("RUN <<EOT bash\n  set -ex\nEOT\n")
    assert run.command == ("<<EOT bash",) and run.heredocs[0].content == "  set -ex\n"


def test_heredoc_dash_strips_leading_tabs_and_quoted_delimiter_disables_expansion():
    run = only("RUN <<-'END'\n\techo $HOME\n\tEND\n")
    doc = run.heredocs[0]
    assert (doc.content, doc.expand, doc.chomp) == ("echo $HOME\n", False, True)


def test_several_heredocs_on_one_line():
    run = only('RUN <<A cat - <<"B" > /out\none\nA\ntwo\nB\n')
    assert [(h.name, h.content, h.expand) for h in run.heredocs] == [("A", "one\n", True), ("B", "two\n", False)]


def test_copy_heredoc_source():
    copy = only("COPY <<EOF /etc/motd\nhello\nEOF\n")
    assert copy.sources == ("<<EOF",) and copy.heredocs[0].content == "hello\n"


def test_quoted_heredoc_marker_is_not_a_heredoc():
    assert only('RUN echo "<<EOF"').heredocs == ()


def test_unterminated_heredoc_is_an_error():
    with pytest.raises(DockerfileError, match="Dockerfile:2: unterminated heredoc <<EOF"):
        parse_dockerfile("FROM a\nRUN <<EOF\necho\n")


def test_env_both_forms():
    assert only('ENV A=1 B="two words" C=3').pairs == (("A", "1"), ("B", '"two words"'), ("C", "3"))
    assert only("ENV FLASK_APP hello world.py").pairs == (("FLASK_APP", "hello world.py"),)


def test_env_without_equals_in_a_later_pair_is_an_error():
    with pytest.raises(DockerfileError, match="can't find = in 'B'"):
        parse_dockerfile("ENV A=1 B")


def test_arg_with_and_without_defaults():
    assert only("ARG A B=2 C=").args == (("A", None), ("B", "2"), ("C", ""))


def test_label_expose_volume_user_workdir_stopsignal():
    parsed = parse_dockerfile('FROM a\nLABEL a.b="c d"\nEXPOSE 80 53/udp\nVOLUME ["/data", "/logs"]\n'
                              "VOLUME /tmp /var\nUSER app:app\nWORKDIR /srv/app\nSTOPSIGNAL SIGINT\n")
    label, expose, vjson, vwords, user, workdir, sig = parsed.instructions[1:]
    assert label.pairs == (("a.b", '"c d"'),)
    assert expose.ports == ("80", "53/udp")
    assert vjson.paths == ("/data", "/logs") and vwords.paths == ("/tmp", "/var")
    assert (user.user, workdir.path, sig.signal) == ("app:app", "/srv/app", "SIGINT")


def test_healthcheck_forms():
    check = only("HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/")
    assert check.command == ("curl -f http://localhost/",)
    assert (check.exec_form, check.flag("interval"), check.flag("retries")) == (False, "30s", "3")
    assert only("HEALTHCHECK NONE").command is None
    with pytest.raises(DockerfileError, match="unknown type 'RUN' in HEALTHCHECK"):
        parse_dockerfile("HEALTHCHECK RUN x")


def test_shell_needs_json():
    assert only('SHELL ["/bin/bash", "-c"]').command == ("/bin/bash", "-c")
    with pytest.raises(DockerfileError, match="SHELL requires the arguments to be in JSON form"):
        parse_dockerfile("SHELL /bin/bash -c")


def test_onbuild_wraps_a_trigger_and_refuses_nesting():
    onbuild = only("ONBUILD run echo hi")
    assert isinstance(onbuild.trigger, df.Run) and onbuild.expression == "RUN echo hi"
    with pytest.raises(DockerfileError, match="ONBUILD isn't allowed as an ONBUILD trigger"):
        parse_dockerfile("ONBUILD ONBUILD RUN x")


def test_copy_needs_a_destination():
    with pytest.raises(DockerfileError, match="COPY requires at least two arguments"):
        parse_dockerfile("COPY onlyone")


def test_crlf_and_bom_are_tolerated():
    parsed = parse_dockerfile("\ufeffFROM a\r\nRUN b\r\n")
    assert [i.original for i in parsed.instructions] == ["FROM a", "RUN b"]


def test_quoted_flag_values_lose_their_quotes():
    run = only('RUN --mount="type=cache,target=/root/.cache" --network=\'none\' make')
    assert run.flag_values("mount") == ("type=cache,target=/root/.cache",) and run.flag("network") == "none"


def test_env_without_a_value_names_the_key():
    with pytest.raises(DockerfileError, match="Dockerfile:1: ENV FOO has no value: write ENV FOO=VALUE"):
        parse_dockerfile("ENV FOO")
