package auth

import (
	"strings"
	"unicode"
)

// weakError refuses a password in words; errors.Is(err, ErrWeakPassword)
// holds for it, so callers answer every refusal alike.
type weakError string

func (e weakError) Error() string        { return string(e) }
func (e weakError) Is(target error) bool { return target == ErrWeakPassword }

var (
	errFewCharacters = weakError("password uses fewer than 4 different characters: choose a phrase of a few unrelated words")
	errCommon        = weakError("password is among the most common ones, the first an attacker tries: choose another, such as a phrase of a few unrelated words")
)

// runs are the character sequences people slide along: digits, the
// alphabet and keyboard rows, each also backwards.
var runs = func() []string {
	fwd := []string{"01234567890123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm",
		"1q2w3e4r5t6y7u8i9o0p", "qazwsxedcrfvtgbyhnujmikolp", "1qaz2wsx3edc4rfv5tgb6yhn7ujm"}
	out := fwd
	for _, s := range fwd {
		b := []byte(s)
		for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
			b[i], b[j] = b[j], b[i]
		}
		out = append(out, string(b))
	}
	return out
}()

// common are the stems of passwords that head every list of breached
// passwords; a password that is one of them (or one twice) padded with
// digits and symbols is refused.
var common = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`password passw0rd p@ssword pass passwort motdepasse contraseña wachtwoord
		qwerty qwertz azerty iloveyou letmein welcome welcome1 admin administrator root login changeme secret
		trustno1 dragon monkey shadow master sunshine princess football baseball soccer hockey superman batman
		starwars whatever freedom michael jennifer jordan hunter killer pokemon computer internet samsung
		google facebook linkedin default guest test tester testing footfall analytics abc abcabc
		asdf asdfgh zxcvbn qazwsx`) {
		common[w] = true
	}
}

// checkCommon refuses passwords that a breached-password list would
// hold: too few different characters, a sequence slid along the keyboard,
// or a common stem padded with digits and symbols ("Password123!").
func checkCommon(password string) error {
	distinct := map[rune]bool{}
	for _, r := range password {
		distinct[unicode.ToLower(r)] = true
	}
	if len(distinct) < 4 {
		return errFewCharacters
	}
	norm := strings.ToLower(strings.TrimSpace(password))
	for _, run := range runs {
		if strings.Contains(run, norm) {
			return errCommon
		}
	}
	stem := strings.TrimFunc(norm, func(r rune) bool { return !unicode.IsLetter(r) })
	if common[stem] {
		return errCommon
	}
	// A stem said again and again: "passwordpassword", "abcdabcdabcd".
	for n := 1; n <= len(stem)/2; n++ {
		unit := stem[:n]
		if len(stem)%n == 0 && strings.Repeat(unit, len(stem)/n) == stem && (common[unit] || len(distinct) < 6) {
			return errCommon
		}
	}
	return nil
}
