//! Keys to actions: a pure function of the key and the mode.

use super::action::{Action, Mode, PromptKind};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// What `key` means in `mode`, if anything.
pub fn map_key(key: KeyEvent, mode: &Mode) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    match mode {
        Mode::Normal => normal_key(key.code),
        Mode::Help => Some(match key.code {
            KeyCode::Char('q') => Action::Quit,
            _ => Action::ToggleHelp,
        }),
        Mode::Prompt(_) => match key.code {
            KeyCode::Enter => Some(Action::PromptSubmit),
            KeyCode::Esc => Some(Action::PromptCancel),
            KeyCode::Backspace => Some(Action::PromptBackspace),
            KeyCode::Char(c) => Some(Action::PromptInput(c)),
            _ => None,
        },
    }
}

fn normal_key(code: KeyCode) -> Option<Action> {
    Some(match code {
        KeyCode::Char(' ') => Action::TogglePlay,
        KeyCode::Char('n') | KeyCode::Right => Action::StepForward,
        KeyCode::Char('b') | KeyCode::Left => Action::StepBack,
        KeyCode::Char('+') | KeyCode::Char('=') => Action::Faster,
        KeyCode::Char('-') | KeyCode::Char('_') => Action::Slower,
        KeyCode::Char('g') => Action::OpenPrompt(PromptKind::Goto),
        KeyCode::Char('o') => Action::OpenPrompt(PromptKind::Pick),
        KeyCode::Char('j') | KeyCode::Down => Action::SelectNext,
        KeyCode::Char('k') | KeyCode::Up => Action::SelectPrev,
        KeyCode::Tab => Action::NextPanel,
        KeyCode::Esc => Action::Deselect,
        KeyCode::Char('e') => Action::ToggleExpand,
        KeyCode::Char('c') => Action::Crash,
        KeyCode::Char('r') => Action::Restart,
        KeyCode::Char('i') => Action::Isolate,
        KeyCode::Char('p') => Action::OpenPrompt(PromptKind::Partition),
        KeyCode::Char('h') => Action::Heal,
        KeyCode::Char('u') => Action::HealNode,
        KeyCode::Char('d') => Action::OpenPrompt(PromptKind::Delay),
        KeyCode::Char('z') => Action::OpenPrompt(PromptKind::Pause),
        KeyCode::Char('w') => Action::OpenPrompt(PromptKind::Slow),
        KeyCode::Char('l') => Action::OpenPrompt(PromptKind::Loss),
        KeyCode::Char('x') => Action::Fork,
        KeyCode::Char('/') => Action::OpenPrompt(PromptKind::Filter),
        KeyCode::Char('s') => Action::Save,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Char('q') => Action::Quit,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn every_normal_key_maps_to_its_action() {
        let table = [
            (KeyCode::Char(' '), Action::TogglePlay),
            (KeyCode::Char('n'), Action::StepForward),
            (KeyCode::Right, Action::StepForward),
            (KeyCode::Char('b'), Action::StepBack),
            (KeyCode::Left, Action::StepBack),
            (KeyCode::Char('+'), Action::Faster),
            (KeyCode::Char('='), Action::Faster),
            (KeyCode::Char('-'), Action::Slower),
            (KeyCode::Char('g'), Action::OpenPrompt(PromptKind::Goto)),
            (KeyCode::Char('o'), Action::OpenPrompt(PromptKind::Pick)),
            (KeyCode::Char('j'), Action::SelectNext),
            (KeyCode::Down, Action::SelectNext),
            (KeyCode::Char('k'), Action::SelectPrev),
            (KeyCode::Up, Action::SelectPrev),
            (KeyCode::Tab, Action::NextPanel),
            (KeyCode::Esc, Action::Deselect),
            (KeyCode::Char('e'), Action::ToggleExpand),
            (KeyCode::Char('c'), Action::Crash),
            (KeyCode::Char('r'), Action::Restart),
            (KeyCode::Char('i'), Action::Isolate),
            (
                KeyCode::Char('p'),
                Action::OpenPrompt(PromptKind::Partition),
            ),
            (KeyCode::Char('h'), Action::Heal),
            (KeyCode::Char('u'), Action::HealNode),
            (KeyCode::Char('d'), Action::OpenPrompt(PromptKind::Delay)),
            (KeyCode::Char('z'), Action::OpenPrompt(PromptKind::Pause)),
            (KeyCode::Char('w'), Action::OpenPrompt(PromptKind::Slow)),
            (KeyCode::Char('l'), Action::OpenPrompt(PromptKind::Loss)),
            (KeyCode::Char('x'), Action::Fork),
            (KeyCode::Char('/'), Action::OpenPrompt(PromptKind::Filter)),
            (KeyCode::Char('s'), Action::Save),
            (KeyCode::Char('?'), Action::ToggleHelp),
            (KeyCode::Char('q'), Action::Quit),
        ];
        for (code, action) in table {
            assert_eq!(map_key(key(code), &Mode::Normal), Some(action), "{code:?}");
        }
        assert_eq!(map_key(key(KeyCode::Char('y')), &Mode::Normal), None);
        assert_eq!(map_key(key(KeyCode::F(5)), &Mode::Normal), None);
    }

    #[test]
    fn ctrl_c_quits_in_every_mode() {
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for mode in [Mode::Normal, Mode::Help, Mode::Prompt(PromptKind::Goto)] {
            assert_eq!(map_key(ctrl_c, &mode), Some(Action::Quit));
        }
    }

    #[test]
    fn prompts_take_text() {
        let mode = Mode::Prompt(PromptKind::Filter);
        assert_eq!(
            map_key(key(KeyCode::Char('q')), &mode),
            Some(Action::PromptInput('q')),
            "q types, it does not quit"
        );
        assert_eq!(
            map_key(key(KeyCode::Enter), &mode),
            Some(Action::PromptSubmit)
        );
        assert_eq!(
            map_key(key(KeyCode::Esc), &mode),
            Some(Action::PromptCancel)
        );
        assert_eq!(
            map_key(key(KeyCode::Backspace), &mode),
            Some(Action::PromptBackspace)
        );
        assert_eq!(map_key(key(KeyCode::Left), &mode), None);
    }

    #[test]
    fn any_key_closes_help_and_q_still_quits() {
        assert_eq!(
            map_key(key(KeyCode::Char('n')), &Mode::Help),
            Some(Action::ToggleHelp)
        );
        assert_eq!(
            map_key(key(KeyCode::Char('q')), &Mode::Help),
            Some(Action::Quit)
        );
    }

    #[test]
    fn key_releases_are_ignored() {
        let mut release = key(KeyCode::Char('n'));
        release.kind = KeyEventKind::Release;
        assert_eq!(map_key(release, &Mode::Normal), None);
    }
}
