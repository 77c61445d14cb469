"""Russian and Tajik translations of the staff pages, kept as data so they are reviewed in one place.

``python -m backend.translations.catalogue`` extracts the strings (babel.cfg), merges these
translations into ``<locale>/LC_MESSAGES/messages.po`` and compiles the ``.mo`` files. A test fails
when a string used in the code has no translation here.
"""

from __future__ import annotations

# msgid: (ru, tg)
TRANSLATIONS: dict[str, tuple[str, str]] = {
    # roles
    "hotline operator": ("оператор горячей линии", "оператори хати боварӣ"),
    "hotline supervisor": ("супервайзер горячей линии", "нозири хати боварӣ"),
    "content editor": ("редактор контента", "муҳаррири мундариҷа"),
    "moderator": ("модератор", "модератор"),
    "administrator": ("администратор", "маъмур"),
    # navigation
    "Home": ("Главная", "Асосӣ"),
    "Alerts": ("Сигналы", "Сигналҳо"),
    "Statistics": ("Статистика", "Омор"),
    "On-call chain": ("Цепочка дежурных", "Занҷираи навбатдорон"),
    "Audit log": ("Журнал аудита", "Дафтари аудит"),
    "My account": ("Мой профиль", "Ҳисоби ман"),
    "Articles and ads": ("Статьи и реклама", "Мақолаҳо ва реклама"),
    "Moderation queue": ("Очередь модерации", "Навбати модератсия"),
    "Kill switch": ("Экстренное отключение", "Хомӯшкунии фаврӣ"),
    "Transparency report": ("Отчёт о прозрачности", "Ҳисоботи шаффофият"),
    # alert statuses and events
    "received": ("получен", "қабул шуд"),
    "relaying": ("передаётся", "интиқол меёбад"),
    "relayed": ("передан", "интиқол ёфт"),
    "accepted": ("принят", "пазируфта шуд"),
    "closed": ("закрыт", "баста шуд"),
    "cancelled": ("отменён", "бекор шуд"),
    "Alert received": ("Сигнал получен", "Сигнал қабул шуд"),
    "Hotline reached": ("Горячая линия оповещена", "Хати боварӣ огоҳ шуд"),
    "Accepted": ("Принят", "Пазируфта шуд"),
    "Note added": ("Добавлена заметка", "Қайд илова шуд"),
    "Referred": ("Направлена", "Равона шуд"),
    "Closed": ("Закрыт", "Баста шуд"),
    "Reopened": ("Открыт снова", "Аз нав кушода шуд"),
    "Cancelled by her": ("Отменён ею", "Аз ҷониби ӯ бекор шуд"),
    "Cancelled under duress": ("Отменён под давлением", "Таҳти фишор бекор шуд"),
    "Escalated": ("Эскалирован", "Афзоиш ёфт"),
    # notices
    "You accepted this alert.": ("Вы приняли этот сигнал.", "Шумо ин сигналро пазируфтед."),
    "This alert was already accepted.": ("Этот сигнал уже принят.",
                                         "Ин сигнал аллакай пазируфта шудааст."),
    "Note saved.": ("Заметка сохранена.", "Қайд нигоҳ дошта шуд."),
    "Referral saved.": ("Направление сохранено.", "Равонакунӣ нигоҳ дошта шуд."),
    "Alert closed.": ("Сигнал закрыт.", "Сигнал баста шуд."),
    "Alert reopened.": ("Сигнал открыт снова.", "Сигнал аз нав кушода шуд."),
    "Too many failed attempts. Try again in %(minutes)d minutes.": (
        "Слишком много неудачных попыток. Повторите через %(minutes)d мин.",
        "Кӯшишҳои ноком хеле зиёданд. Баъд аз %(minutes)d дақиқа боз кӯшиш кунед."),
    "The details are not correct.": ("Данные неверны.", "Маълумот нодуруст аст."),
    # classification
    "Physical violence": ("Физическое насилие", "Зӯроварии ҷисмонӣ"),
    "Psychological violence": ("Психологическое насилие", "Зӯроварии равонӣ"),
    "Sexual violence": ("Сексуальное насилие", "Зӯроварии ҷинсӣ"),
    "Economic violence": ("Экономическое насилие", "Зӯроварии иқтисодӣ"),
    "Not disclosed": ("Не сообщено", "Гуфта нашуд"),
    "Police": ("Милиция", "Милитсия"),
    "Legal aid": ("Юридическая помощь", "Ёрии ҳуқуқӣ"),
    "Crisis centre or shelter": ("Кризисный центр или приют", "Маркази бӯҳронӣ ё паноҳгоҳ"),
    "Psychologist": ("Психолог", "Равоншинос"),
    "District working group": ("Районная рабочая группа", "Гурӯҳи кории ноҳиявӣ"),
    "Advice and safety plan given": ("Консультация и план безопасности",
                                     "Маслиҳат ва нақшаи бехатарӣ дода шуд"),
    "Referred to services": ("Направлена в службы", "Ба хадамотҳо равона шуд"),
    "Emergency response arranged": ("Организовано экстренное реагирование",
                                    "Вокуниши фаврӣ ташкил шуд"),
    "No safe contact possible": ("Безопасная связь невозможна", "Тамоси бехатар имконнопазир"),
    "Accidental or false alarm": ("Случайный или ложный сигнал", "Сигнали тасодуфӣ ё бардурӯғ"),
    "Other": ("Другое", "Дигар"),
    "Unknown": ("Неизвестно", "Номаълум"),
    # account
    "Saved.": ("Сохранено.", "Нигоҳ дошта шуд."),
    "Language": ("Язык", "Забон"),
    "Time zone": ("Часовой пояс", "Минтақаи вақт"),
    "Save": ("Сохранить", "Нигоҳ доштан"),
    # audit
    "Staff member": ("Сотрудник", "Корманд"),
    "Action (prefix)": ("Действие (начало)", "Амал (ибтидо)"),
    "Alert id": ("ID сигнала", "ID-и сигнал"),
    "From": ("С", "Аз"),
    "To": ("По", "То"),
    "Filter": ("Фильтр", "Филтр"),
    "Time": ("Время", "Вақт"),
    "Action": ("Действие", "Амал"),
    "Target": ("Объект", "Объект"),
    "Via": ("Через", "Тавассути"),
    "Address": ("Адрес", "Суроға"),
    "Details": ("Подробности", "Тафсилот"),
    "Nothing matches.": ("Ничего не найдено.", "Чизе ёфт нашуд."),
    "Older": ("Раньше", "Пештар"),
    # layout and login
    "Console": ("Консоль", "Консол"),
    "Main": ("Главное меню", "Менюи асосӣ"),
    "Log out": ("Выйти", "Баромадан"),
    "Back to the console": ("Вернуться в консоль", "Бозгашт ба консол"),
    "Welcome, %(name)s": ("Здравствуйте, %(name)s", "Хуш омадед, %(name)s"),
    "Signed in as %(role)s.": ("Вы вошли как %(role)s.", "Шумо ҳамчун %(role)s ворид шудед."),
    "Log in": ("Войти", "Ворид шудан"),
    "Staff login": ("Вход для сотрудников", "Вуруди кормандон"),
    "Username": ("Имя пользователя", "Номи корбар"),
    "Password": ("Пароль", "Парол"),
    "Security code": ("Код безопасности", "Рамзи амниятӣ"),
    "Enter the six-digit code from your authenticator app.": (
        "Введите шестизначный код из приложения-аутентификатора.",
        "Рамзи шашрақамаро аз барномаи тасдиқкунанда ворид кунед."),
    "Code": ("Код", "Рамз"),
    "Continue": ("Продолжить", "Идома додан"),
    # on-call
    "Alerts are texted and called to the first active number; without acceptance they escalate "
    "to the next one.": (
        "Сигналы отправляются SMS и звонком на первый активный номер; если их не принимают, "
        "они переходят к следующему.",
        "Сигналҳо ба рақами фаъоли аввал тавассути SMS ва занг фиристода мешаванд; агар "
        "пазируфта нашаванд, ба рақами навбатӣ мегузаранд."),
    "Escalation time": ("Время до эскалации", "Вақт то афзоиш"),
    "An alert nobody accepts escalates after %(seconds)s seconds.": (
        "Сигнал, который никто не принял, эскалируется через %(seconds)s с.",
        "Сигнале, ки касе напазируфт, баъд аз %(seconds)s сония афзоиш меёбад."),
    "This is the ESCALATION_SECONDS setting; saving here replaces it.": (
        "Это значение настройки ESCALATION_SECONDS; сохранение здесь заменит его.",
        "Ин қимати танзими ESCALATION_SECONDS аст; нигоҳ доштан дар ин ҷо онро иваз мекунад."),
    "Last changed by %(name)s on %(when)s.": ("Последнее изменение: %(name)s, %(when)s.",
                                              "Тағйири охирин: %(name)s, %(when)s."),
    "Seconds without acceptance before escalating (%(low)d to %(high)d)": (
        "Секунд без принятия до эскалации (от %(low)d до %(high)d)",
        "Сонияҳо бе пазириш то афзоиш (аз %(low)d то %(high)d)"),
    "Save the escalation time": ("Сохранить время до эскалации", "Нигоҳ доштани вақт то афзоиш"),
    "The escalation time was saved. It applies to alerts scheduled from now on.": (
        "Время до эскалации сохранено. Оно действует для сигналов, запланированных с этого момента.",
        "Вақт то афзоиш нигоҳ дошта шуд. Он ба сигналҳое, ки аз ҳозир ба нақша гирифта мешаванд, "
        "татбиқ мешавад."),
    "The escalation time must be a whole number of seconds from %(low)d to %(high)d.": (
        "Время до эскалации — целое число секунд от %(low)d до %(high)d.",
        "Вақт то афзоиш бояд адади бутуни сонияҳо аз %(low)d то %(high)d бошад."),
    "Numbers": ("Номера", "Рақамҳо"),
    "The on-call chain was saved.": ("Цепочка дежурных сохранена.",
                                     "Занҷираи навбатдорон нигоҳ дошта шуд."),
    "These numbers come from the HOTLINE_NUMBERS setting; saving here replaces them.": (
        "Эти номера взяты из настройки HOTLINE_NUMBERS; сохранение здесь заменит их.",
        "Ин рақамҳо аз танзими HOTLINE_NUMBERS гирифта шудаанд; нигоҳ доштан дар ин ҷо "
        "онҳоро иваз мекунад."),
    "Phone (E.164)": ("Телефон (E.164)", "Телефон (E.164)"),
    "Label": ("Метка", "Тамға"),
    "Active": ("Активен", "Фаъол"),
    "Empty the phone field to remove a position. Order is top to bottom.": (
        "Очистите поле телефона, чтобы убрать позицию. Порядок — сверху вниз.",
        "Барои хориҷ кардани мавқеъ майдони телефонро холӣ кунед. Тартиб аз боло ба поён."),
    "Save the chain": ("Сохранить цепочку", "Нигоҳ доштани занҷира"),
    # statistics
    "Closed cases, drills excluded. Each case is counted once, under its main form of violence. "
    "Numbers from 1 to 4 are shown as <5 to protect survivors; a second small number may be "
    "hidden too so that none can be worked out from the total.": (
        "Закрытые случаи, без учебных. Каждый случай учитывается один раз — по основной форме "
        "насилия. Числа от 1 до 4 показаны как <5 для защиты пострадавших; может быть скрыто "
        "и второе малое число, чтобы его нельзя было вычислить из итога.",
        "Ҳолатҳои басташуда, бе машқҳо. Ҳар ҳолат як бор — аз рӯи шакли асосии зӯроварӣ — "
        "ҳисоб карда мешавад. Рақамҳои аз 1 то 4 барои ҳифзи ҷабрдидагон ҳамчун <5 нишон "
        "дода мешаванд; рақами хурди дуюм низ метавонад пинҳон шавад, то онро аз ҷамъ ҳисоб "
        "кардан натавонанд."),
    "From month": ("С месяца", "Аз моҳи"),
    "To month": ("По месяц", "То моҳи"),
    "Show": ("Показать", "Нишон додан"),
    "Download CSV": ("Скачать CSV", "Боргирии CSV"),
    "By month": ("По месяцам", "Аз рӯи моҳ"),
    "By district": ("По районам", "Аз рӯи ноҳия"),
    "By main form of violence": ("По основной форме насилия", "Аз рӯи шакли асосии зӯроварӣ"),
    "By outcome": ("По результату", "Аз рӯи натиҷа"),
    "Cases referred, by service": ("Направленные случаи по службам",
                                   "Ҳолатҳои равонашуда аз рӯи хадамот"),
    "No closed cases.": ("Нет закрытых случаев.", "Ҳолатҳои басташуда нестанд."),
    "Total": ("Итого", "Ҳамагӣ"),
    # alert page
    "Alert": ("Сигнал", "Сигнал"),
    "Call back ONLY between %(start)s and %(end)s (her local time).": (
        "Перезванивать ТОЛЬКО с %(start)s до %(end)s (её местное время).",
        "Занг задан ТАНҲО аз %(start)s то %(end)s (вақти маҳаллии ӯ)."),
    "You may call back: say the codeword first: «%(word)s». If anyone else answers, do not "
    "mention help.": (
        "Можно перезвонить: сначала скажите кодовое слово «%(word)s». Если ответит кто-то "
        "другой, не упоминайте о помощи.",
        "Занг задан мумкин аст: аввал калимаи рамзиро гӯед: «%(word)s». Агар каси дигар ҷавоб "
        "диҳад, дар бораи кӯмак чизе нагӯед."),
    "DO NOT CALL BACK. Calling her phone may put her in danger.": (
        "НЕ ПЕРЕЗВАНИВАТЬ. Звонок на её телефон может подвергнуть её опасности.",
        "ЗАНГ НАЗАНЕД. Занг ба телефони ӯ метавонад ӯро ба хатар гузорад."),
    "Drill": ("Учебный", "Машқ"),
    "Duress: cancelled under pressure": ("Давление: отменён под принуждением",
                                         "Фишор: маҷбурӣ бекор карда шуд"),
    "Received": ("Получен", "Қабул шуд"),
    "Trigger": ("Способ вызова", "Тарзи даъват"),
    "Channel": ("Канал", "Канал"),
    "Accepted by %(who)s at %(when)s": ("Принят: %(who)s, %(when)s",
                                        "Пазируфт: %(who)s, %(when)s"),
    "Accept this alert": ("Принять сигнал", "Пазируфтани сигнал"),
    "Location": ("Местоположение", "Ҷойгиршавӣ"),
    "Position": ("Координаты", "Координатҳо"),
    "Accuracy": ("Точность", "Дақиқӣ"),
    "Source": ("Источник", "Манбаъ"),
    "Map": ("Карта", "Харита"),
    "Newest first. Reload the page for new positions.": (
        "Сначала новые. Обновите страницу, чтобы увидеть новые координаты.",
        "Аввал навтаринҳо. Барои дидани мавқеъҳои нав саҳифаро навсозӣ кунед."),
    "No location was sent.": ("Местоположение не передано.", "Ҷойгиршавӣ фиристода нашуд."),
    "Voice message": ("Голосовое сообщение", "Паёми овозӣ"),
    "Play voice message": ("Прослушать сообщение", "Гӯш кардани паём"),
    "Every playback is recorded in the audit log.": (
        "Каждое прослушивание записывается в журнал аудита.",
        "Ҳар як гӯш кардан дар дафтари аудит сабт мешавад."),
    "Upload in progress: %(got)s of %(total)s bytes.": (
        "Идёт загрузка: %(got)s из %(total)s байт.",
        "Боркунӣ идома дорад: %(got)s аз %(total)s байт."),
    "No voice message.": ("Голосового сообщения нет.", "Паёми овозӣ нест."),
    "Notes": ("Заметки", "Қайдҳо"),
    "No notes yet.": ("Заметок пока нет.", "Ҳоло қайдҳо нестанд."),
    "New note": ("Новая заметка", "Қайди нав"),
    "Save note": ("Сохранить заметку", "Нигоҳ доштани қайд"),
    "Referrals": ("Направления", "Равонакуниҳо"),
    "No referrals yet.": ("Направлений пока нет.", "Ҳоло равонакуниҳо нестанд."),
    "Service": ("Служба", "Хадамот"),
    "Details (optional)": ("Подробности (необязательно)", "Тафсилот (ихтиёрӣ)"),
    "Save referral": ("Сохранить направление", "Нигоҳ доштани равонакунӣ"),
    "Outcome": ("Результат", "Натиҷа"),
    "Reason for reopening": ("Причина повторного открытия", "Сабаби аз нав кушодан"),
    "Reopen": ("Открыть снова", "Аз нав кушодан"),
    "District": ("Район", "Ноҳия"),
    "Main form of violence": ("Основная форма насилия", "Шакли асосии зӯроварӣ"),
    "Other forms present": ("Другие присутствующие формы", "Шаклҳои дигари мавҷуда"),
    "Close alert": ("Закрыть сигнал", "Бастани сигнал"),
    "Timeline": ("Хронология", "Хронология"),
    "Deliveries": ("Доставки", "Расониданҳо"),
    "Recipient": ("Получатель", "Гиранда"),
    "Purpose": ("Цель", "Мақсад"),
    "Status": ("Статус", "Ҳолат"),
    "dry run": ("пробный режим", "реҷаи озмоишӣ"),
    "Nothing sent yet.": ("Пока ничего не отправлено.", "Ҳоло чизе фиристода нашудааст."),
    # queue
    "New alert": ("Новый сигнал", "Сигнали нав"),
    "Open": ("Открыть", "Кушодан"),
    "This list updates by itself every few seconds.": (
        "Список обновляется сам каждые несколько секунд.",
        "Ин рӯйхат ҳар чанд сония худ ба худ навсозӣ мешавад."),
    "Enable sound and notifications": ("Включить звук и уведомления",
                                       "Фаъол кардани садо ва огоҳиномаҳо"),
    "Marks": ("Отметки", "Нишонаҳо"),
    "Accepted by": ("Принял(а)", "Пазируфт"),
    "No open alerts.": ("Открытых сигналов нет.", "Сигналҳои кушода нестанд."),
    "Recently closed or cancelled": ("Недавно закрытые или отменённые",
                                     "Ба наздикӣ басташуда ё бекоршуда"),
    "None.": ("Нет.", "Нест."),
    # home
    "Alerts waiting for acceptance: %(num)s": ("Сигналов ждут принятия: %(num)s",
                                               "Сигналҳои интизори пазириш: %(num)s"),
    "No alert waits for acceptance.": ("Нет сигналов, ожидающих принятия.",
                                       "Ягон сигнал интизори пазириш нест."),
    # staff accounts (admins)
    "Staff accounts": ("Учётные записи сотрудников", "Ҳисобҳои кормандон"),
    "Create accounts and reset passwords or second factors with the hushbakht users command: it "
    "shows new secrets once, never in a browser.": (
        "Создавайте учётные записи и сбрасывайте пароли или второй фактор командой hushbakht "
        "users: она показывает новые секреты один раз и никогда в браузере.",
        "Ҳисобҳоро эҷод кунед ва паролҳо ё омили дуюмро бо фармони hushbakht users аз нав "
        "танзим кунед: он сирҳои навро як бор нишон медиҳад, ҳеҷ гоҳ дар браузер."),
    "Name": ("Имя", "Ном"),
    "Role": ("Роль", "Нақш"),
    "Second factor": ("Второй фактор", "Омили дуюм"),
    "Last login": ("Последний вход", "Вуруди охирин"),
    "yes": ("да", "ҳа"),
    "no": ("нет", "не"),
    "deactivated": ("отключена", "хомӯш"),
    "locked": ("заблокирована", "баста"),
    "active": ("активна", "фаъол"),
    "Unlock": ("Разблокировать", "Кушодан"),
    "Deactivate": ("Отключить", "Хомӯш кардан"),
    "Reactivate": ("Включить снова", "Аз нав фаъол кардан"),
    # editorial and moderation pages (issue 5)
    "Moderation": ("Модерация", "Модератсия"),
    "Model": ("Модель", "Модел"),
    "score": ("оценка", "баҳо"),
    "New ad": ("Новая реклама", "Рекламаи нав"),
    "Locale": ("Язык", "Забон"),
    "Advertiser": ("Рекламодатель", "Рекламадиҳанда"),
    "Placement": ("Размещение", "Ҷойгиркунӣ"),
    "Creative text": ("Текст рекламы", "Матни реклама"),
    "Image description": ("Описание изображения", "Тавсифи тасвир"),
    "Campaign starts (UTC)": ("Начало кампании (UTC)", "Оғози маърака (UTC)"),
    "Campaign ends (UTC)": ("Конец кампании (UTC)", "Анҷоми маърака (UTC)"),
    "Save draft": ("Сохранить черновик", "Нигоҳ доштани сиёҳнавис"),
    "New article": ("Новая статья", "Мақолаи нав"),
    "Translation key (a-z, 0-9, -)": ("Ключ перевода (a-z, 0-9, -)", "Калиди тарҷума (a-z, 0-9, -)"),
    "Category": ("Категория", "Категория"),
    "Title": ("Заголовок", "Сарлавҳа"),
    "Summary": ("Краткое содержание", "Хулоса"),
    "Body (Markdown)": ("Текст (Markdown)", "Матн (Markdown)"),
    "Tags (comma separated)": ("Теги (через запятую)", "Тегҳо (бо вергул)"),
    "Changes": ("Изменения", "Тағйирот"),
    "Back": ("Назад", "Бозгашт"),
    "Changes from revision": ("Изменения с редакции", "Тағйирот аз таҳрири"),
    "to": ("до", "то"),
    "No differences.": ("Различий нет.", "Фарқият нест."),
    "goes live": ("публикуется", "нашр мешавад"),
    "Preview as the app shows it": ("Предпросмотр как в приложении",
                                    "Пешнамоиш мисли барнома"),
    "Reason": ("Причина", "Сабаб"),
    "Being edited by": ("Редактирует", "Таҳрир мекунад"),
    "until": ("до", "то"),
    "Submit for review": ("Отправить на проверку", "Барои баррасӣ фиристодан"),
    "Publish now": ("Опубликовать сейчас", "Ҳозир нашр кардан"),
    "Publish at (UTC)": ("Опубликовать в (UTC)", "Нашр дар (UTC)"),
    "Schedule": ("Запланировать", "Ба нақша гирифтан"),
    "Cancel schedule": ("Отменить план", "Бекор кардани нақша"),
    "Why withdraw?": ("Почему снять?", "Чаро бозхонд кардан?"),
    "Withdraw": ("Снять", "Бозхонд кардан"),
    "Edit": ("Редактировать", "Таҳрир кардан"),
    "Tags": ("Теги", "Тегҳо"),
    "Save revision": ("Сохранить редакцию", "Нигоҳ доштани таҳрир"),
    "Revisions": ("Редакции", "Таҳрирҳо"),
    "changes": ("изменения", "тағйирот"),
    "Notices": ("Уведомления", "Огоҳиномаҳо"),
    "State": ("Состояние", "Ҳолат"),
    "all": ("все", "ҳама"),
    "Kind": ("Тип", "Навъ"),
    "Moderator's reason": ("Причина модератора", "Сабаби модератор"),
    "Nothing here yet.": ("Здесь пока ничего нет.", "Ҳоло дар ин ҷо чизе нест."),
    "Pull": ("Снять", "Гирифтан"),
    "all ads": ("всю рекламу", "ҳамаи рекламаҳо"),
    "one advertiser's ads": ("рекламу одного рекламодателя", "рекламаҳои як рекламадиҳанда"),
    "a whole article category": ("целую категорию статей", "тамоми категорияи мақолаҳо"),
    "Advertiser or category": ("Рекламодатель или категория", "Рекламадиҳанда ё категория"),
    "Pull from the app now": ("Снять из приложения сейчас", "Ҳозир аз барнома гирифтан"),
    "Scope": ("Охват", "Доира"),
    "Pulled": ("Снято", "Гирифта шуд"),
    "restored": ("восстановлено", "барқарор шуд"),
    "Restore": ("Восстановить", "Барқарор кардан"),
    "Preview": ("Предпросмотр", "Пешнамоиш"),
    "Advertisement": ("Реклама", "Реклама"),
    "Text": ("Текст", "Матн"),
    "Gate": ("Фильтр", "Филтр"),
    "Score": ("Оценка", "Баҳо"),
    "Waiting since": ("Ожидает с", "Интизор аз"),
    "Nothing waits for review.": ("Нет материалов на проверке.", "Чизе барои баррасӣ интизор нест."),
    "Month": ("Месяц", "Моҳ"),
    "No activity yet.": ("Активности пока нет.", "Ҳоло фаъолият нест."),
    "Review": ("Проверка", "Баррасӣ"),
    "Decision": ("Решение", "Қарор"),
    "Approve": ("Одобрить", "Тасдиқ кардан"),
    "Request changes": ("Запросить изменения", "Дархости тағйирот"),
    "Reject": ("Отклонить", "Рад кардан"),
    "Category (for training)": ("Категория (для обучения)", "Категория (барои омӯзиш)"),
    "as flagged": ("как отмечено", "тавре ки қайд шуд"),
    "Reason the editor will see": ("Причина, которую увидит редактор",
                                   "Сабабе, ки муҳаррир мебинад"),
    "Record decision": ("Записать решение", "Сабти қарор"),
}

LOCALES = ("ru", "tg")

import subprocess  # noqa: E402 - the data above is what reviewers read first
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.mofile import write_mo  # noqa: E402
from babel.messages.pofile import read_po, write_po  # noqa: E402

HERE = Path(__file__).resolve().parent


def extract(pot: Path) -> Catalog:
    """Extract every translatable string of the backend (code and templates) into ``pot``."""
    root = HERE.parent.parent
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    str(HERE / "babel.cfg"), "-k", "lazy_gettext", "-k", "_l", "--no-location",
                    "--sort-output", "--omit-header", "-o", str(pot), "backend"],
                   cwd=root, check=True, capture_output=True)
    with pot.open("rb") as handle:
        return read_po(handle)


def build() -> dict[str, list[str]]:
    """Extract, merge and compile; returns the msgids missing a translation per locale."""
    import tempfile

    here = HERE
    with tempfile.TemporaryDirectory() as scratch:
        template = extract(Path(scratch) / "messages.pot")
    missing: dict[str, list[str]] = {}
    for index, locale in enumerate(LOCALES):
        catalog = Catalog(locale=locale, project="hushbakht-console", fuzzy=False)
        missing[locale] = []
        for message in template:
            if not message.id:
                continue
            pair = TRANSLATIONS.get(str(message.id))
            if pair is None:
                missing[locale].append(str(message.id))
                continue
            catalog.add(message.id, pair[index], flags=message.flags)
        folder = here / locale / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "messages.po").open("wb") as handle:
            write_po(handle, catalog, omit_header=False, sort_output=True, width=100)
        with (folder / "messages.mo").open("wb") as handle:
            write_mo(handle, catalog)
    return missing


if __name__ == "__main__":
    result = build()
    for loc, ids in result.items():
        for msgid in ids:
            print(f"{loc}: missing translation: {msgid!r}")
