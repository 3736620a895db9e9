/** The languages the pages speak (`ui_locales_supported`); the first is the fallback. */
export const UI_LOCALES = ['en', 'fr'] as const;
export type UiLocale = (typeof UI_LOCALES)[number];

const en = {
  'client.label': 'Application',
  'login.title': 'Sign in',
  'login.to': 'to continue to {client}',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.remember': 'Keep me signed in on this device',
  'login.failedTitle': 'Sign-in failed',
  'login.failed':
    'The username or password is incorrect, or the account is locked. Check both and try again.',
  'login.lockout':
    'After {attempts} failed attempts, sign-in to the account is paused for {duration}: wait, then try again.',
  'duration.seconds': '{n} seconds',
  'duration.minutes': '{n} minutes',
  'duration.hours': '{n} hours',
  'totp.title': 'Second step',
  'totp.prompt': 'Enter the {digits}-digit code from your authenticator app.',
  'totp.code': 'Code',
  'totp.submit': 'Verify',
  'totp.hint': 'Lost your authenticator? Ask your IT support to reset your second step.',
  'totp.failedTitle': 'Code not accepted',
  'totp.failed': 'That code is not valid or has expired. Enter the code your app shows now.',
  'consent.title': 'Allow access?',
  'consent.asks': '{client} asks to:',
  'consent.claims': 'It also asks for:',
  'consent.signedInAs': 'Signed in as {user}.',
  'consent.allow': 'Allow',
  'consent.switch': 'Not you? Use another account',
  'consent.deny': 'Deny',
  'consent.policy': 'Privacy policy',
  'consent.terms': 'Terms of service',
  'scope.openid': 'Sign you in with your account',
  'scope.profile': 'See your name and profile details',
  'scope.email': 'See your email address',
  'scope.address': 'See your postal address',
  'scope.phone': 'See your phone number',
  'scope.groups': 'See the groups you belong to',
  'scope.offline_access': 'Keep access while you are away',
  'scope.other': 'Use the permission “{scope}”',
  'error.title': 'Something went wrong',
  'error.back':
    'Return to the application and start again. If this keeps happening, contact your IT support and give them the error code below.',
  'error.retry':
    'The service is briefly unavailable. Wait a few seconds, then go back and try again.',
  'error.code': 'Error code:',
  'signedOut.title': 'Signed out',
  'signedOut.body': 'You are signed out.',
  'signedOut.continue': 'Continue',
  'logout.title': 'Sign out?',
  'logout.ask': 'Do you want to sign out?',
  'logout.askFrom': '{client} asks you to sign out.',
  'logout.signedInAs': 'Signed in as {user}.',
  'logout.confirm': 'Sign out',
  'logout.cancel': 'Stay signed in',
  'stillSignedIn.title': 'Still signed in',
  'stillSignedIn.body': 'You are still signed in.',
  'device.title': 'Connect a device',
  'device.lead':
    'Enter the code your device shows. Continue only if you started this on your own device.',
  'device.code': 'Code',
  'device.hint': 'Eight letters, such as WDJB-MJHT.',
  'device.submit': 'Continue',
  'device.failedTitle': 'Code not recognised',
  'device.failed':
    'That code is unknown, already used or expired. Check the code on your device, or start again there.',
  'device.limited': 'Too many codes were tried from here. Wait a few minutes, then try again.',
  'deviceApproved.title': 'Device connected',
  'deviceApproved.body':
    '{client} on your device is now signed in. You can close this page and return to it.',
} as const;

export type MessageKey = keyof typeof en;

const fr: Record<MessageKey, string> = {
  'client.label': 'Application',
  'login.title': 'Connexion',
  'login.to': 'pour continuer vers {client}',
  'login.username': 'Nom d’utilisateur',
  'login.password': 'Mot de passe',
  'login.submit': 'Se connecter',
  'login.remember': 'Rester connecté sur cet appareil',
  'login.failedTitle': 'Échec de la connexion',
  'login.failed':
    'Le nom d’utilisateur ou le mot de passe est incorrect, ou le compte est verrouillé. Vérifiez-les et réessayez.',
  'login.lockout':
    'Après {attempts} échecs, la connexion au compte est suspendue pendant {duration} : patientez, puis réessayez.',
  'duration.seconds': '{n} secondes',
  'duration.minutes': '{n} minutes',
  'duration.hours': '{n} heures',
  'totp.title': 'Deuxième étape',
  'totp.prompt': 'Saisissez le code à {digits} chiffres de votre application d’authentification.',
  'totp.code': 'Code',
  'totp.submit': 'Vérifier',
  'totp.hint':
    'Authentificateur perdu ? Demandez à votre support informatique de réinitialiser votre deuxième étape.',
  'totp.failedTitle': 'Code refusé',
  'totp.failed':
    'Ce code n’est pas valide ou a expiré. Saisissez le code affiché maintenant par votre application.',
  'consent.title': 'Autoriser l’accès ?',
  'consent.asks': '{client} demande à :',
  'consent.claims': 'Il demande aussi :',
  'consent.signedInAs': 'Connecté en tant que {user}.',
  'consent.allow': 'Autoriser',
  'consent.switch': 'Ce n’est pas vous ? Utiliser un autre compte',
  'consent.deny': 'Refuser',
  'consent.policy': 'Politique de confidentialité',
  'consent.terms': 'Conditions d’utilisation',
  'scope.openid': 'Vous connecter avec votre compte',
  'scope.profile': 'Voir votre nom et votre profil',
  'scope.email': 'Voir votre adresse e-mail',
  'scope.address': 'Voir votre adresse postale',
  'scope.phone': 'Voir votre numéro de téléphone',
  'scope.groups': 'Voir les groupes dont vous faites partie',
  'scope.offline_access': 'Garder l’accès en votre absence',
  'scope.other': 'Utiliser la permission « {scope} »',
  'error.title': 'Une erreur est survenue',
  'error.back':
    'Revenez à l’application et recommencez. Si le problème persiste, contactez votre support informatique en indiquant le code d’erreur ci-dessous.',
  'error.retry':
    'Le service est momentanément indisponible. Patientez quelques secondes, puis revenez en arrière et réessayez.',
  'error.code': 'Code d’erreur :',
  'signedOut.title': 'Déconnecté',
  'signedOut.body': 'Vous êtes déconnecté.',
  'signedOut.continue': 'Continuer',
  'logout.title': 'Se déconnecter ?',
  'logout.ask': 'Voulez-vous vous déconnecter ?',
  'logout.askFrom': '{client} vous demande de vous déconnecter.',
  'logout.signedInAs': 'Connecté en tant que {user}.',
  'logout.confirm': 'Se déconnecter',
  'logout.cancel': 'Rester connecté',
  'stillSignedIn.title': 'Toujours connecté',
  'stillSignedIn.body': 'Vous êtes toujours connecté.',
  'device.title': 'Connecter un appareil',
  'device.lead':
    'Saisissez le code affiché par votre appareil. Ne continuez que si vous avez lancé cette connexion vous-même sur votre appareil.',
  'device.code': 'Code',
  'device.hint': 'Huit lettres, par exemple WDJB-MJHT.',
  'device.submit': 'Continuer',
  'device.failedTitle': 'Code non reconnu',
  'device.failed':
    'Ce code est inconnu, déjà utilisé ou expiré. Vérifiez le code sur votre appareil, ou recommencez depuis celui-ci.',
  'device.limited':
    'Trop de codes ont été essayés depuis cet endroit. Attendez quelques minutes, puis réessayez.',
  'deviceApproved.title': 'Appareil connecté',
  'deviceApproved.body':
    '{client} est maintenant connecté sur votre appareil. Vous pouvez fermer cette page et y retourner.',
};

const CATALOGS: Record<UiLocale, Record<MessageKey, string>> = { en, fr };

/**
 * The page language: the first of the request's `ui_locales` (Core §3.1.2.1) we speak, then
 * the browser's Accept-Language, then English. A tag matches by its primary language
 * (`fr-CA` is `fr`).
 */
export function pickLocale(uiLocales: readonly string[], acceptLanguage?: string): UiLocale {
  const fromHeader = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.find((p) => p.trim().startsWith('q='));
      return { tag, q: q ? Number(q.trim().slice(2)) : 1 };
    })
    .filter((l) => l.tag && l.q > 0)
    .sort((a, b) => b.q - a.q)
    .map((l) => l.tag);
  for (const tag of [...uiLocales, ...fromHeader]) {
    const primary = tag.toLowerCase().split('-')[0] as UiLocale;
    if ((UI_LOCALES as readonly string[]).includes(primary)) return primary;
  }
  return 'en';
}

/** A message in a language, with `{name}` placeholders filled (the template escapes the result). */
export function translate(
  locale: UiLocale,
  key: MessageKey,
  vars: Record<string, string> = {},
): string {
  return CATALOGS[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
}

/** A duration in words, rounded up to whole seconds, minutes or hours. */
export function describeDuration(locale: UiLocale, ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 120) return translate(locale, 'duration.seconds', { n: String(seconds) });
  if (seconds < 2 * 3600)
    return translate(locale, 'duration.minutes', { n: String(Math.ceil(seconds / 60)) });
  return translate(locale, 'duration.hours', { n: String(Math.ceil(seconds / 3600)) });
}

/** A scope in plain words. */
export function describeScope(locale: UiLocale, scope: string): string {
  const key = `scope.${scope}` as MessageKey;
  return key in CATALOGS[locale]
    ? translate(locale, key)
    : translate(locale, 'scope.other', { scope });
}
