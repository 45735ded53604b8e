# fish completion for sendas(1).  Installed into fish's vendor_completions.d.

# Account names from the account file sendas would read (sendas-accounts(5)).
function __sendas_accounts
    set -l tokens (commandline -opc)
    set -l file
    for i in (seq (count $tokens))
        switch $tokens[$i]
            case -C --config
                set file $tokens[(math $i + 1)]
            case '--config=*'
                set file (string replace -- --config= '' $tokens[$i])
        end
    end
    if test -z "$file"
        set -l xdg $XDG_CONFIG_HOME
        test -n "$xdg"; or set xdg $HOME/.config
        for f in "$SENDAS_CONFIG" "$CREDENTIALS_DIRECTORY/sendas.ini" $xdg/sendas/accounts.ini /etc/sendas/accounts.ini
            if test -n "$f" -a -r "$f"
                set file $f
                break
            end
        end
    end
    test -r "$file"; or return
    string replace -rf '^\s*\[\s*[Aa][Cc][Cc][Oo][Uu][Nn][Tt]\s+([^\]]*)\].*' '$1' < $file
end

function __sendas_queue_ids
    sendas --queue-ids 2>/dev/null
end

complete -c sendas -f
complete -c sendas -s t -l read-recipients -d 'also send to the message\'s To, Cc and Bcc'
complete -c sendas -s f -l from -x -d 'envelope sender'
complete -c sendas -s r -x -d 'the same as -f'
complete -c sendas -s F -l full-name -x -d 'the sender\'s name for an added From:'
complete -c sendas -s i -l ignore-dots -d 'a lone dot does not end the message'
complete -c sendas -s B -l body-type -x -a '7BIT 8BITMIME' -d '7BIT or 8BITMIME'
complete -c sendas -s N -l dsn-notify -x -a 'never success failure delay' -d 'delivery status notifications'
complete -c sendas -s R -l dsn-return -x -a 'full hdrs' -d 'what a bounce returns'
complete -c sendas -s V -l dsn-envid -x -d 'envelope ID for DSN'
complete -c sendas -s v -l verbose -d 'show the SMTP dialogue'
complete -c sendas -s a -l account -x -a '(__sendas_accounts)' -d 'send through this account'
complete -c sendas -s C -l config -r -F -d 'read accounts from FILE'
complete -c sendas -l send -d 'send the message on stdin (default)'
complete -c sendas -l smtp -d 'speak SMTP on stdin and stdout (-bs)'
complete -c sendas -l smtpd -d 'run the smarthost for the network (smtpd.ini)'
complete -c sendas -l list-queue -d 'list the queue'
complete -c sendas -s q -l flush -d 'send what is in the queue'
complete -c sendas -l queue-ids -d 'print the queued IDs'
complete -c sendas -l queue-delete -d 'delete queued messages'
complete -c sendas -l queue-retry -d 'retry queued messages now'
complete -c sendas -l which -x -d 'which account sends for SENDER'
complete -c sendas -l json -d 'one JSON object per message'
complete -c sendas -l serverinfo -d 'describe the account\'s server'
complete -c sendas -l probe -d 'ask the server which senders it accepts'
complete -c sendas -l probe-rcpt -x -d 'recipient for --probe'
complete -c sendas -l probe-data -d 'also send a test message per sender'
complete -c sendas -l probe-max -x -d 'the most senders per probe'
complete -c sendas -l help -d 'show the help'
complete -c sendas -l version -d 'show the version'
complete -c sendas -n '__fish_seen_argument -l queue-delete -l queue-retry' -x -a '(__sendas_queue_ids)'
