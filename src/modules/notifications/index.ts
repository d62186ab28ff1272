export {
  MailMessage,
  type MailTransport,
  makeSmtpTransport,
  messageIdFor,
  parseSmtpUrl,
  type SentMail,
  type SmtpConfig,
} from './mail-transport.ts';
export { isPermanentMailFailure, notificationErrors } from './notifications-errors.ts';
export {
  formatInstant,
  makeNotifications,
  type NotificationRequest,
  type Notifications,
} from './send-notifications.ts';
export {
  escapeHtml,
  isTemplateId,
  type Locale,
  marketingTemplates,
  messageClassOf,
  type RenderedMail,
  renderTemplate,
  type TemplateId,
  TemplateParams,
  templateIds,
} from './templates.ts';
