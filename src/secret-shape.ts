/**
 * A string shaped like a credential (AWS secrets are 40 characters of mixed case, digits and `/+`).
 * Pasting the secret into the access key ID field is a common mix-up; a message must not echo it.
 */
export function looksLikeSecret(value: string): boolean {
  if (value.length < 30 || !/^[A-Za-z0-9+/=_-]+$/.test(value)) return false;
  return [/[a-z]/, /[A-Z]/, /\d/, /[+/=_-]/].filter((re) => re.test(value)).length >= 3;
}
